// The POSIX path helpers library resolution is built on. normpath must agree with the
// reference's normpath (Python's os.path.normpath, then every '//' collapsed).
import { describe, expect, it } from 'vitest';
import { basename, dedupe, dirname, isSubdir, join, normpath, relative } from '../../src/analyze/paths.js';

describe('normpath', () => {
  it.each([
    ['', '.'],
    ['.', '.'],
    ['./', '.'],
    ['/', '/'],
    ['//', '/'], // Python keeps '//', the reference collapses it
    ['///', '/'],
    ['//a', '/a'],
    ['//a//b//', '/a/b'],
    ['a//b', 'a/b'],
    ['/a/b/', '/a/b'], // trailing slash dropped
    ['a/b/', 'a/b'],
    ['a/./b', 'a/b'],
    ['/a/./b/.', '/a/b'],
    ['a/..', '.'],
    ['a/../..', '..'], // a relative path may climb above its start
    ['a/b/../../..', '..'],
    ['../a', '../a'],
    ['../../a/..', '../..'],
    ['/..', '/'], // an absolute one stops at the root
    ['/a/../..', '/'],
    ['/a/../../b', '/b'],
    ['//..//..//', '/'],
    ['/usr/lib/../lib64/', '/usr/lib64'],
    ['/x/$ORIGIN/../y', '/x/y'], // nothing special about '$'
  ])('normpath(%j) = %j', (input, expected) => {
    expect(normpath(input)).toBe(expected);
  });
});

describe('join', () => {
  it.each([
    ['a', 'b', 'a/b'],
    ['a/', 'b', 'a/b'],
    ['/a', 'b/c', '/a/b/c'],
    ['/', 'b', '/b'],
    ['', 'b', 'b'],
    ['/a', '/b', '/b'], // an absolute second part replaces the first
    ['/a', '../b', '/a/../b'], // lexical only: no normalisation
    ['/a', '', '/a/'],
  ])('join(%j, %j) = %j', (a, b, expected) => {
    expect(join(a, b)).toBe(expected);
  });
});

describe('dirname and basename', () => {
  it.each([
    ['/a/b/c.so', '/a/b', 'c.so'],
    ['/c.so', '/', 'c.so'],
    ['c.so', '', 'c.so'],
    ['a/c.so', 'a', 'c.so'],
    ['/a/b/', '/a/b', ''],
  ])('%j -> dirname %j, basename %j', (p, dir, base) => {
    expect(dirname(p)).toBe(dir);
    expect(basename(p)).toBe(base);
  });
});

describe('isSubdir', () => {
  it.each([
    ['/a/b', '/a', true], // a subdirectory
    ['/a/b/c/d', '/a', true],
    ['/a', '/a', true], // the directory itself
    ['/', '/a', false], // the parent
    ['/ab', '/a', false], // a sibling that shares a prefix
    ['/a-b/c', '/a', false],
    ['/a/b', '/', true], // everything is below the root
    ['/a/b', '/a/', true],
    [undefined, '/a', false], // no path at all
  ] as const)('isSubdir(%j, %j) is %s', (p, dir, expected) => {
    expect(isSubdir(p, dir)).toBe(expected);
  });
});

describe('relative', () => {
  it.each([
    ['/a/b', '/a/b/c/d', 'c/d'],
    ['/a/b', '/a/c/d', '../c/d'],
    ['/a/b', '/a', '..'],
    ['/a/b/c', '/x', '../../../x'],
    ['/a', '/a', '.'],
    ['/', '/x/y', 'x/y'],
    ['/x/y', '/', '../..'],
    ['/pkg', '/pkg.libs/libz.so', '../pkg.libs/libz.so'], // prefix-sharing names are different segments
  ])('relative(%j, %j) = %j', (from, to, expected) => {
    expect(relative(from, to)).toBe(expected);
  });
});

describe('dedupe', () => {
  it('keeps the first occurrence, in order', () => {
    expect(dedupe(['b', 'a', 'b', 'c', 'a'])).toEqual(['b', 'a', 'c']);
    expect(dedupe([])).toEqual([]);
  });
});
