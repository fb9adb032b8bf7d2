// fnmatch as --exclude patterns and ld.so.conf include globs use it: Python's fnmatch.fnmatchcase
// semantics (the reference calls fnmatch on POSIX, which does not fold case). Full match only.
import { describe, expect, it } from 'vitest';
import { fnmatch } from '../../src/analyze/fnmatch.js';
import { cpuClock } from '../helpers/cpu-clock.js';

type Row = readonly [name: string, pattern: string, matches: boolean];

function table(rows: readonly Row[]): void {
  it.each(rows)('fnmatch(%j, %j) is %s', (name, pattern, matches) => {
    expect(fnmatch(name, pattern)).toBe(matches);
  });
}

describe('fnmatch: literals', () => {
  table([
    ['libfoo.so.1', 'libfoo.so.1', true],
    ['libfooXso.1', 'libfoo.so.1', false], // a dot is a dot
    ['libfoo.so.1', 'libfoo.so', false], // full match, not a prefix
    ['libfoo.so', 'libfoo.so.1', false],
    ['xlibfoo.so', 'libfoo.so', false], // not a suffix either
    ['libFOO.so', 'libfoo.so', false], // case-sensitive
    ['libfoo.so', 'LIBFOO.SO', false],
    ['', '', true],
    ['a', '', false],
    ['a+b(c)|d{1}^$', 'a+b(c)|d{1}^$', true], // regex metacharacters are literal
    ['a+b', 'a+b+', false],
    ['a\\b', 'a\\b', true], // a backslash is a literal character, not an escape
    ['ab', 'a\\b', false],
    ['/usr/lib/libz.so', '/usr/lib/libz.so', true],
  ]);
});

describe('fnmatch: * and ?', () => {
  table([
    ['libfoo.so.1', 'libfoo*', true],
    ['libfoo', 'libfoo*', true], // * may match nothing
    ['libbar.so', 'libfoo*', false],
    ['libfoo.so.1', '*.so.1', true],
    ['libfoo.so.1', '*', true],
    ['', '*', true],
    ['/usr/lib/x86_64-linux-gnu/libz.so.1', '*/libz.so.1', true], // * crosses '/'
    ['/opt/excl/sub/dir/libx.so', '/opt/excl/*', true],
    ['/opt/other/libx.so', '/opt/excl/*', false],
    ['/a/b/c', '/a*c', true],
    ['line1\nline2', 'line1*', true], // and newlines
    ['libfoo.so.1', 'libfoo.so.?', true],
    ['libfoo.so.12', 'libfoo.so.?', false], // ? is exactly one character
    ['libfoo.so.', 'libfoo.so.?', false],
    ['a/b', 'a?b', true], // ? matches '/' too
    ['libé.so', 'lib?.so', true], // one character, not one UTF-16 unit... for BMP ones at least
    ['libfoo.so.1', 'lib*.so.*', true],
    ['libfoo.so', 'lib*.so.*', false],
    ['aXbXc', 'a*b*c', true],
    ['abc', 'a**c', true],
  ]);
});

describe('fnmatch: character classes', () => {
  table([
    ['libfoo.so.4', 'libfoo.so.[45]', true],
    ['libfoo.so.6', 'libfoo.so.[45]', false],
    ['libfoo.so.6', 'libfoo.so.[!45]', true],
    ['libfoo.so.4', 'libfoo.so.[!45]', false],
    // [4,5] is the class {'4', ',', '5'}: a comma is a member, not a separator.
    ['x4', 'x[4,5]', true],
    ['x,', 'x[4,5]', true],
    ['x5', 'x[4,5]', true],
    ['x4,5', 'x[4,5]', false],
    ['b', '[a-c]', true],
    ['d', '[a-c]', false],
    ['B', '[a-c]', false], // no case folding in ranges
    ['-', '[a-]', true], // a trailing '-' is literal
    ['-', '[-a]', true], // so is a leading one
    ['b', '[!a-c]', false],
    ['/', '[!a]', true], // a negated class matches '/'
    [']', '[]]', true], // ']' first in the class is a member
    ['a', '[]a]', true],
    [']', '[!]]', false],
    ['x', '[!]]', true],
    ['^', '[^a]', true], // '^' is an ordinary member, not negation
    ['b', '[^a]', false],
    ['\\', '[\\]', true], // a backslash in a class is itself
    ['[', '[[]', true],
    ['[abc', '[abc', true], // an unclosed '[' is literal
    ['a', '[abc', false],
    ['[!]', '[!]', true], // '[!]' never closes, so it is literal text
    ['.', '[.]', true],
    ['x', '[.]', false],
  ]);
});

describe('fnmatch: empty ranges (reversed bounds)', () => {
  // Python drops ranges whose bounds are reversed ('[z-a]' matches nothing, '[z-ab]' is ['b']);
  // an --exclude pattern like that must not crash the run.
  it("'[z-a]' matches nothing and does not throw", () => {
    expect(() => fnmatch('b', 'lib[z-a].so')).not.toThrow();
    expect(fnmatch('libb.so', 'lib[z-a].so')).toBe(false);
  });
  it("'[z-ab]' keeps the non-empty part", () => {
    expect(fnmatch('libb.so', 'lib[z-ab].so')).toBe(true);
    expect(fnmatch('liby.so', 'lib[z-ab].so')).toBe(false);
  });
});

describe('fnmatch: no catastrophic backtracking', () => {
  // A backtracking regular expression takes minutes here (each '*' retried at every split);
  // Python's fnmatch answers in well under a millisecond.
  const name = 'a'.repeat(60);
  it.each([
    ['*a'.repeat(30) + 'b', false],
    ['*a'.repeat(30), true],
    ['*'.repeat(50) + 'b', false],
    ['?*'.repeat(30) + 'b', false],
    ['*[a]*[a]*[a]*[a]*[a]*[a]*[a]*[a]*[a]*[a]*[!a]', false],
  ] as [string, boolean][])('%j against 60 a: %s, at once', (pattern, want) => {
    const started = cpuClock();
    expect(fnmatch(name, pattern)).toBe(want);
    expect(started()).toBeLessThan(1000);
  });

  it('a 4,000-character name against a 2,000-star pattern stays polynomial', () => {
    const started = cpuClock();
    expect(fnmatch('ab'.repeat(2000), '*a*b'.repeat(1000) + '*c')).toBe(false);
    expect(fnmatch('ab'.repeat(2000), '*a*b'.repeat(1000))).toBe(true);
    expect(started()).toBeLessThan(10_000);
  });

  it('the last star takes over when an earlier match runs out (backtracking to it is enough)', () => {
    expect(fnmatch('abcabd', '*abd')).toBe(true);
    expect(fnmatch('xaaab', 'x*a*b')).toBe(true);
    expect(fnmatch('mississippi', 'm*iss*ppi')).toBe(true);
    expect(fnmatch('mississippi', 'm*iss*x*')).toBe(false);
    expect(fnmatch('a😀b', 'a?b')).toBe(true); // one character, also outside the BMP
    expect(fnmatch('a😀b', 'a[😀]b')).toBe(true);
  });
});
