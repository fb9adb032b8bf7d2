// The wheel's files as a read-only virtual directory: entries (and the directories they imply)
// under a mount no ELF string can name, .data/platlib files where they install, ELF facts by
// path; OverlayFs sends wheel paths to the wheel and everything else to the host.
import { describe, expect, it } from 'vitest';
import { HostFs } from '../../src/analyze/host-fs.js';
import { displayPath, OverlayFs, WHEEL_MOUNT, WheelFs } from '../../src/analyze/library-fs.js';
import { summaryOf } from '../helpers/elf-contents.js';

const LIB = 'x86_64/verdemo/libverdemo.so.1';

describe('WHEEL_MOUNT', () => {
  it('holds a NUL, so no NUL-terminated ELF string can spell it', () => {
    expect(WHEEL_MOUNT.includes('\u0000')).toBe(true);
    expect(displayPath(`${WHEEL_MOUNT}/pkg.libs/libz.so`)).toBe('<wheel>/pkg.libs/libz.so');
    expect(displayPath('/usr/lib/libz.so')).toBe('/usr/lib/libz.so');
  });
});

describe('WheelFs', () => {
  const sum = summaryOf(LIB, 'pkg/libverdemo.so.1');
  const fs = new WheelFs(['pkg/__init__.py', 'pkg/libverdemo.so.1', 'empty/', 'x-1.data/platlib/plat/_p.so', 'x-1.data/scripts/tool'], new Map([['pkg/libverdemo.so.1', sum], ['x-1.data/platlib/plat/_p.so', sum]]));
  const m = (p: string): string => `${WHEEL_MOUNT}/${p}`;

  it('has every entry and every implied directory, nothing else', () => {
    for (const d of ['', 'pkg', 'empty', 'plat', 'x-1.data', 'x-1.data/scripts']) expect(fs.isDirectory(d === '' ? WHEEL_MOUNT : m(d)), d).toBe(true);
    for (const f of ['pkg/__init__.py', 'pkg/libverdemo.so.1', 'plat/_p.so', 'x-1.data/scripts/tool']) {
      expect(fs.exists(m(f)), f).toBe(true);
      expect(fs.isDirectory(m(f)), f).toBe(false);
    }
    expect(fs.exists(m('x-1.data/platlib/plat/_p.so'))).toBe(false);
    expect(fs.exists(m('pkg/missing.so'))).toBe(false);
    expect(fs.exists('/usr')).toBe(false);
  });

  it('implies every ancestor whatever the order: a directory entry first, deep files after shallow ones', () => {
    const deep = new WheelFs(['a/b/', 'a/b/c/d/e.so', 'a/b/c/f.so', 'g/h/i.py', 'g/j.py'], new Map());
    for (const d of ['a', 'a/b', 'a/b/c', 'a/b/c/d', 'g', 'g/h']) expect(deep.isDirectory(m(d)), d).toBe(true);
    for (const f of ['a/b/c/d/e.so', 'a/b/c/f.so', 'g/h/i.py', 'g/j.py']) expect(deep.isDirectory(m(f)), f).toBe(false);
    expect(deep.exists(m('a/b/c/d/e.so'))).toBe(true);
  });

  it('maps entry names to installed paths and serves ELF facts only for ELF entries', () => {
    expect(fs.pathOf('x-1.data/platlib/plat/_p.so')).toBe(m('plat/_p.so'));
    expect(fs.pathOf('pkg/a.so')).toBe(m('pkg/a.so'));
    expect(fs.loadElf(m('pkg/libverdemo.so.1'))).toBe(sum);
    expect(fs.loadElf(m('plat/_p.so'))).toBe(sum);
    expect(fs.loadElf(m('pkg/__init__.py'))).toBeUndefined();
    expect([fs.readlink(), fs.readText(), fs.glob()]).toEqual([undefined, undefined, []]);
    expect(fs.owns(m('pkg'))).toBe(true);
    expect(fs.owns('/usr/lib')).toBe(false);
  });
});

describe('OverlayFs', () => {
  it('answers wheel paths from the wheel and the rest from the host', () => {
    const wheel = new WheelFs(['pkg/libverdemo.so.1'], new Map([['pkg/libverdemo.so.1', summaryOf(LIB, 'pkg/libverdemo.so.1')]]));
    const fs = new OverlayFs(wheel, new HostFs());
    expect(fs.loadElf(`${WHEEL_MOUNT}/pkg/libverdemo.so.1`)?.soname).toBe('libverdemo.so.1');
    expect(fs.isDirectory('/usr')).toBe(true);
    expect(fs.exists(`${WHEEL_MOUNT}/usr`)).toBe(false);
    expect(fs.readText('/etc/hostname') ?? fs.readText('/etc/passwd')).toBeTypeOf('string');
    expect(fs.glob(`${WHEEL_MOUNT}/*`)).toEqual([]);
    expect(fs.glob('/usr/bin/en?').length).toBeGreaterThan(0);
  });
});
