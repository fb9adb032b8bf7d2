// Package databases of a root read as text: dpkg's status file against dpkg-query on this
// Debian host, file owners from the .list files against dpkg -S, apk's installed database by
// its documented format, and a plain reason for rpm roots, roots without a database, and a
// database symlink that points out of the root.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openRootPackageDb, parseApkInstalled, parseDpkgStatus } from '../../src/repair/package-db.js';
import { needs, requireFile, requireTool } from '../helpers/requires.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-package-db-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const DPKG = needs(requireTool('dpkg-query', 'dpkg'), requireFile('/var/lib/dpkg/status', 'dpkg'));

describe('parseDpkgStatus', () => {
  it("lists the host's installed packages exactly as dpkg-query does", DPKG, () => {
    const ours = parseDpkgStatus(readFileSync('/var/lib/dpkg/status', 'utf8'))
      .map((p) => `${p.name}:${p.arch ?? ''} ${p.version}`)
      .sort();
    const theirs = execFileSync('dpkg-query', ['-W', '-f', '${db:Status-Status} ${Package}:${Architecture} ${Version}\\n'], { encoding: 'utf8' })
      .split('\n')
      .filter((l) => /^(installed|unpacked|half-configured|triggers-awaited|triggers-pending) /.test(l))
      .map((l) => l.replace(/^\S+ /, ''))
      .sort();
    expect(ours.length).toBeGreaterThan(50);
    expect(ours).toEqual(theirs);
  });

  it('skips packages whose files are not on disk, and continuation lines', () => {
    const text = [
      'Package: gone\nStatus: deinstall ok config-files\nVersion: 1\n',
      'Package: here\nStatus: install ok installed\nArchitecture: amd64\nVersion: 2.0-1\nDescription: x\n Version: 9 (continuation)\n',
      'Package: noversion\nStatus: install ok installed\n',
    ].join('\n');
    expect(parseDpkgStatus(text)).toEqual([{ name: 'here', arch: 'amd64', version: '2.0-1' }]);
  });
});

describe('openRootPackageDb', () => {
  it('a root with dpkg data: owners of files as dpkg -S names them', DPKG, () => {
    // The spelling dpkg recorded (/lib or /usr/lib, depending on the merged-/usr state).
    const libc = ['/lib/x86_64-linux-gnu/libc.so.6', '/usr/lib/x86_64-linux-gnu/libc.so.6'].find((f) => spawnSync('dpkg', ['-S', f]).status === 0);
    expect(libc).toBeDefined();
    const pkg = execFileSync('dpkg', ['-S', libc as string], { encoding: 'utf8' }).split(':')[0] as string;
    const arch = execFileSync('dpkg-query', ['-W', '-f', '${Architecture}', pkg], { encoding: 'utf8' });
    const version = execFileSync('dpkg-query', ['-W', '-f', '${Version}', pkg], { encoding: 'utf8' });
    const root = path.join(tmp, 'deb');
    mkdirSync(path.join(root, 'var/lib/dpkg/info'), { recursive: true });
    copyFileSync('/var/lib/dpkg/status', path.join(root, 'var/lib/dpkg/status'));
    for (const list of [`${pkg}:${arch}.list`, `${pkg}.list`]) {
      try {
        copyFileSync(`/var/lib/dpkg/info/${list}`, path.join(root, 'var/lib/dpkg/info', list));
      } catch {
        // one of the two spellings exists
      }
    }
    const opened = openRootPackageDb(root);
    expect(opened.db?.kind).toBe('dpkg');
    const owners = opened.db?.owners([libc as string, '/no/such/file']);
    expect([...(owners ?? [])]).toEqual([[libc, { type: 'deb', name: pkg, version }]]);
  });

  it('apk, rpm, nothing, and a database symlink that leaves the root', DPKG, () => {
    const apk = path.join(tmp, 'apk');
    mkdirSync(path.join(apk, 'lib/apk/db'), { recursive: true });
    writeFileSync(path.join(apk, 'lib/apk/db/installed'), 'P:musl\nV:1.2.4-r2\nF:lib\nR:ld-musl-x86_64.so.1\nR:libc.musl-x86_64.so.1\n\nP:zlib\nV:1.3-r0\nF:lib\nR:libz.so.1\n');
    const a = openRootPackageDb(apk);
    expect(a.db?.kind).toBe('apk');
    expect([...(a.db?.owners(['/lib/libz.so.1', '/lib/ld-musl-x86_64.so.1', '/lib/nope']) ?? [])]).toEqual([
      ['/lib/libz.so.1', { type: 'apk', name: 'zlib', version: '1.3-r0' }],
      ['/lib/ld-musl-x86_64.so.1', { type: 'apk', name: 'musl', version: '1.2.4-r2' }],
    ]);
    const rpm = path.join(tmp, 'rpm');
    mkdirSync(path.join(rpm, 'var/lib/rpm'), { recursive: true });
    writeFileSync(path.join(rpm, 'var/lib/rpm/rpmdb.sqlite'), '');
    expect(openRootPackageDb(rpm)).toEqual({ db: undefined, reason: `${rpm} keeps its packages in rpm's database (/var/lib/rpm/rpmdb.sqlite), which wheelaudit cannot read without rpm` });
    const bare = path.join(tmp, 'bare');
    mkdirSync(bare);
    expect(openRootPackageDb(bare).db).toBeUndefined();
    // var/lib/dpkg -> /var/lib/dpkg is resolved inside the root, where it does not exist.
    const escape = path.join(tmp, 'escape');
    mkdirSync(path.join(escape, 'var/lib'), { recursive: true });
    symlinkSync('/var/lib/dpkg', path.join(escape, 'var/lib/dpkg'));
    expect(openRootPackageDb(escape)).toEqual({ db: undefined, reason: `${escape} has no package database wheelaudit can read (dpkg's var/lib/dpkg/status or apk's lib/apk/db/installed)` });
  });
});

describe('parseApkInstalled', () => {
  it('files are R: entries under the last F: directory; the first owner of a path wins', () => {
    const m = parseApkInstalled('P:a\nV:1\nR:top\nF:usr/lib\nR:liba.so\n\nP:b\nV:2\nF:usr/lib\nR:liba.so\nR:libb.so\n\nV:3\nR:orphan\n');
    expect([...m]).toEqual([
      ['/top', { name: 'a', version: '1' }],
      ['/usr/lib/liba.so', { name: 'a', version: '1' }],
      ['/usr/lib/libb.so', { name: 'b', version: '2' }],
    ]);
  });
});
