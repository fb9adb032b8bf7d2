// HostFs with a sysroot: every question about a path below the root is answered inside the
// root, so an absolute symlink there never reaches the host's file of the same name.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostFs } from '../../src/analyze/host-fs.js';
import { REPO } from '../helpers/corpus.js';

let tmp: string;
let root: string;
/** A host directory the root's absolute links name; it must never be read through the root. */
let decoy: string;

beforeAll(() => {
  tmp = mkdtempSync(path.join(tmpdir(), 'wheelaudit-hostfs-'));
  root = path.join(tmp, 'root');
  decoy = path.join(tmp, 'decoy');
  mkdirSync(path.join(decoy, 'etc'), { recursive: true });
  writeFileSync(path.join(decoy, 'etc', 'ld.so.conf'), 'host\n');
  mkdirSync(path.join(root, 'real', 'etc'), { recursive: true });
  writeFileSync(path.join(root, 'real', 'etc', 'ld.so.conf'), 'root\n');
  mkdirSync(path.join(root, decoy), { recursive: true });
  // <root>/conf -> /<decoy>: inside the root that is <root>/<decoy>, not the host's decoy.
  symlinkSync(decoy, path.join(root, 'conf'));
  symlinkSync('/real/etc', path.join(root, 'etc'));
  symlinkSync(path.join(decoy, 'etc', 'ld.so.conf'), path.join(root, 'real', 'etc', 'abs.conf'));
  symlinkSync('loop2', path.join(root, 'loop1'));
  symlinkSync('loop1', path.join(root, 'loop2'));
});

afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('HostFs with a sysroot', () => {
  it('reads through absolute directory links inside the root', () => {
    const fs = new HostFs(root);
    expect(fs.readText(`${root}/etc/ld.so.conf`)).toBe('root\n');
    expect(fs.isDirectory(`${root}/etc`)).toBe(true);
  });

  it('never follows an absolute link to the host', () => {
    const fs = new HostFs(root);
    // The host path exists, the rooted one does not.
    expect(readFileSync(path.join(decoy, 'etc', 'ld.so.conf'), 'utf8')).toBe('host\n');
    expect(fs.readText(`${root}/etc/abs.conf`)).toBeUndefined();
    expect(fs.exists(`${root}/conf/etc/ld.so.conf`)).toBe(false);
    expect(fs.glob(`${root}/conf/etc/*.conf`)).toEqual([]);
    // Without a root the same links are the host's (the behaviour for host runs).
    expect(new HostFs().readText(`${root}/real/etc/abs.conf`)).toBe('host\n');
  });

  it('reports symlink targets as written, after resolving the directories inside the root', () => {
    const fs = new HostFs(root);
    expect(fs.readlink(`${root}/etc/abs.conf`)).toBe(path.join(decoy, 'etc', 'ld.so.conf'));
    expect(fs.readlink(`${root}/real/etc/ld.so.conf`)).toBeUndefined();
  });

  it('globs below linked directories with rooted names', () => {
    expect(new HostFs(root).glob(`${root}/etc/*.conf`)).toEqual([`${root}/etc/abs.conf`, `${root}/etc/ld.so.conf`]);
  });

  it('treats a symlink loop as missing', () => {
    const fs = new HostFs(root);
    expect(fs.exists(`${root}/loop1/x`)).toBe(false);
    expect(fs.loadElf(`${root}/loop1`)).toBeUndefined();
  });
});

describe('HostFs construction in the program', () => {
  // A HostFs made without its root reads a sysroot's absolute symlinks on the host: every
  // command that takes --sysroot must pass it.
  it('every src module constructs HostFs with the root it runs against', () => {
    const files = (dir: string): string[] =>
      readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? files(path.join(dir, e.name)) : e.name.endsWith('.ts') ? [path.join(dir, e.name)] : []));
    const bare = files(path.join(REPO, 'src')).filter((f) => /new HostFs\(\s*\)/.test(readFileSync(f, 'utf8')));
    expect(bare.map((f) => path.relative(REPO, f))).toEqual([]);
  });
});
