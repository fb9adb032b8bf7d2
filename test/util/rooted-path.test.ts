// resolveInRoot: symlinks followed as a process chrooted in the root would follow them.
import { describe, expect, it } from 'vitest';
import { resolveInRoot } from '../../src/util/rooted-path.js';

/** A fake file system: host path -> link target. */
function links(map: Record<string, string>): (p: string) => string | undefined {
  return (p) => map[p];
}

describe('resolveInRoot', () => {
  const root = '/r';
  const fs = links({
    '/r/lib': 'usr/lib', // merged /usr, relative
    '/r/lib64': '/usr/lib64', // absolute: must stay in /r
    '/r/usr/lib/libz.so.1': 'libz.so.1.2.13',
    '/r/usr/lib64/abs.so': '/usr/lib/libz.so.1',
    '/r/usr/lib/up.so': '../../../../../../etc/passwd',
    '/r/a': 'b',
    '/r/b': 'a',
  });

  it('follows relative and absolute links, every component, inside the root', () => {
    expect(resolveInRoot(root, '/lib/libz.so.1', fs)).toBe('/usr/lib/libz.so.1.2.13');
    expect(resolveInRoot(root, '/lib64/abs.so', fs)).toBe('/usr/lib/libz.so.1.2.13');
  });

  it('never climbs above the root', () => {
    expect(resolveInRoot(root, '/usr/lib/up.so', fs)).toBe('/etc/passwd');
    expect(resolveInRoot(root, '/../../x', fs)).toBe('/x');
  });

  it('keeps missing components as written and normalises . and //', () => {
    expect(resolveInRoot(root, '/usr//./lib/missing/x.so', fs)).toBe('/usr/lib/missing/x.so');
    expect(resolveInRoot(root, '/', fs)).toBe('/');
  });

  it('leaves the last component alone without followFinal', () => {
    expect(resolveInRoot(root, '/lib/libz.so.1', fs, false)).toBe('/usr/lib/libz.so.1');
  });

  it('gives undefined for a loop', () => {
    expect(resolveInRoot(root, '/a/x', fs)).toBeUndefined();
  });

  it('asks readlink only about host paths below the root', () => {
    const asked: string[] = [];
    resolveInRoot(root, '/lib64/abs.so', (p) => {
      asked.push(p);
      return fs(p);
    });
    expect(asked.every((p) => p.startsWith('/r/'))).toBe(true);
  });
});
