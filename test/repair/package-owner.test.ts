// Owner lookup: output parsers, symlink resolution inside a root, real dpkg answers on this
// (Debian, merged-/usr) machine, tool order and availability with fake apk/rpm in PATH, and a
// sysroot queried through `dpkg --admindir`.
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  hostOwnerLookup,
  parseApkWhoOwns,
  parseAptFileSearch,
  parseDebControl,
  parseDpkgSearch,
  parseOsRelease,
  parseRpmQuery,
  resolveInRoot,
} from '../../src/repair/package-owner.js';
import { buildSbom } from '../../src/repair/sbom.js';
import { MET, needs, requireFile, requireTool, unmet } from '../helpers/requires.js';

const LIBFFI = '/lib/x86_64-linux-gnu/libffi.so.8.1.2';
const LIBXML2 = '/usr/lib/x86_64-linux-gnu/libxml2.so.2.9.14';
const LIBC = '/lib/x86_64-linux-gnu/libc.so.6';

const hostDistro = (() => {
  try {
    return parseOsRelease(readFileSync('/etc/os-release', 'utf8')).get('ID');
  } catch {
    return undefined;
  }
})();
const dpkgVersion = (pkg: string): string => execFileSync('dpkg-query', ['-W', '-f=${Version}', pkg], { encoding: 'utf8' });

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-owner-'));
});
afterAll(() => {
  rmSync(tmp, { recursive: true, force: true });
});
afterEach(() => {
  vi.unstubAllEnvs();
});

function writeExecutable(file: string, text: string): void {
  writeFileSync(file, text);
  chmodSync(file, 0o755);
}

describe('output parsers', () => {
  it('dpkg -S: owners per path, arch qualifiers kept, diversion notes skipped', () => {
    const out = parseDpkgSearch(
      [
        'libffi8:amd64: /usr/lib/x86_64-linux-gnu/libffi.so.8.1.2',
        'diversion by postgresql-common from: /usr/bin/pg_config',
        'diversion by postgresql-common to: /usr/bin/pg_config.libpq-dev',
        'postgresql-common, libpq-dev: /usr/bin/pg_config',
        'g++-12: /usr/bin/g++-12',
        'dpkg-query: no path found matching pattern /nope',
        '',
      ].join('\n'),
    );
    expect([...out]).toEqual([
      ['/usr/lib/x86_64-linux-gnu/libffi.so.8.1.2', ['libffi8:amd64']],
      ['/usr/bin/pg_config', ['postgresql-common', 'libpq-dev']],
      ['/usr/bin/g++-12', ['g++-12']],
    ]);
  });

  it('dpkg -s / apt show stanzas', () => {
    const stanzas = parseDebControl(
      'Package: libffi8\nStatus: install ok installed\nArchitecture: amd64\nVersion: 3.4.4-1\nDescription: x\n more\n .\n\n' +
        'Package: libxml2\nArchitecture: amd64\nVersion: 2.9.14+dfsg-1.3~deb12u6\n',
    );
    expect(stanzas.map((s) => [s.get('Package'), s.get('Architecture'), s.get('Version')])).toEqual([
      ['libffi8', 'amd64', '3.4.4-1'],
      ['libxml2', 'amd64', '2.9.14+dfsg-1.3~deb12u6'],
    ]);
  });

  it('apt-file search lines', () => {
    expect([...parseAptFileSearch('libwebpdemux2: /usr/lib/x86_64-linux-gnu/libwebpdemux.so.2.0.9\nFinding relevant cache files\n')]).toEqual([
      ['/usr/lib/x86_64-linux-gnu/libwebpdemux.so.2.0.9', 'libwebpdemux2'],
    ]);
  });

  it('rpm -qf query format: version is <version>-<release>', () => {
    expect(parseRpmQuery('libffi 3.4.4 7.el9 x86_64\n')).toEqual({ name: 'libffi', version: '3.4.4-7.el9' });
    expect(parseRpmQuery('bash 4.4.20 4.el8_6')).toEqual({ name: 'bash', version: '4.4.20-4.el8_6' });
    expect(parseRpmQuery('file /x is not owned by any package\n')).toBeUndefined();
    expect(parseRpmQuery('')).toBeUndefined();
  });

  it.each([
    ['/usr/lib/libffi.so.8.1.4 is owned by libffi-3.4.6-r0\n', { name: 'libffi', version: '3.4.6-r0' }],
    ['/usr/lib/libc.a is owned by musl-dev-1.2.4_git20230717-r4', { name: 'musl-dev', version: '1.2.4_git20230717-r4' }],
    ['/usr/lib/x is owned by font-adobe-100dpi-1.0.3-r2', { name: 'font-adobe-100dpi', version: '1.0.3-r2' }],
    ['/usr/lib/libxml2.so.2 is owned by libxml2-2.11.6-r0', { name: 'libxml2', version: '2.11.6-r0' }],
    ['/usr/lib/libgcc_s.so.1 is owned by libgcc-13.2.1_git20231014-r0', { name: 'libgcc', version: '13.2.1_git20231014-r0' }],
    ['ERROR: /x: Could not find owner package', undefined],
  ])('apk info --who-owns %j', (stdout, expected) => {
    expect(parseApkWhoOwns(stdout)).toEqual(expected);
  });

  it('os-release: quoted, unquoted and single-quoted values', () => {
    const f = parseOsRelease('NAME="Debian GNU/Linux"\nID=debian\nVERSION_ID="12"\nID_LIKE=\'rhel fedora\'\n# comment\nbogus\n');
    expect(f.get('ID')).toBe('debian');
    expect(f.get('NAME')).toBe('Debian GNU/Linux');
    expect(f.get('ID_LIKE')).toBe('rhel fedora');
    expect(parseOsRelease('ID="almalinux"').get('ID')).toBe('almalinux');
  });
});

describe('resolveInRoot', () => {
  let root: string;
  beforeAll(() => {
    root = path.join(tmp, 'resolve-root');
    mkdirSync(path.join(root, 'usr/lib/sub'), { recursive: true });
    writeFileSync(path.join(root, 'usr/lib/libreal.so.1.2'), '');
    symlinkSync('usr/lib', path.join(root, 'lib'));
    symlinkSync('libreal.so.1.2', path.join(root, 'usr/lib/libreal.so.1'));
    symlinkSync('/usr/lib/libreal.so.1', path.join(root, 'usr/lib/sub/abs.so')); // absolute: stays in the root
    symlinkSync('../../../../../usr/lib/libreal.so.1', path.join(root, 'usr/lib/sub/up.so'));
    symlinkSync('loop-b', path.join(root, 'usr/lib/loop-a'));
    symlinkSync('loop-a', path.join(root, 'usr/lib/loop-b'));
  });

  it.each([
    ['/lib/libreal.so.1', '/usr/lib/libreal.so.1.2'],
    ['/usr/lib/sub/abs.so', '/usr/lib/libreal.so.1.2'],
    ['/usr/lib/sub/up.so', '/usr/lib/libreal.so.1.2'],
    ['/lib/./sub/../libreal.so.1', '/usr/lib/libreal.so.1.2'],
    ['/lib/missing/x.so', '/usr/lib/missing/x.so'],
    ['/lib/missing/../libreal.so.1', '/usr/lib/libreal.so.1.2'],
  ])('%s -> %s', (p, expected) => {
    expect(resolveInRoot(root, p)).toBe(expected);
  });

  it('gives up on a symlink loop', () => {
    expect(resolveInRoot(root, '/usr/lib/loop-a')).toBeUndefined();
  });

  it('resolves host paths with an empty root', () => {
    expect(resolveInRoot('', path.join(root, 'lib/libreal.so.1'))).toBe(path.join(root, 'usr/lib/libreal.so.1.2'));
  });
});

describe('hostOwnerLookup on this machine (dpkg)', needs(requireTool('dpkg', 'dpkg'), hostDistro === undefined ? unmet('needs an ID in /etc/os-release') : MET), () => {
  it('answers libffi (asked under /lib, known to dpkg under /usr/lib), libxml2, and nothing for an unowned file', () => {
    const unowned = path.join(tmp, 'unowned.so');
    writeFileSync(unowned, '');
    const paths = [LIBFFI, LIBXML2, unowned, 'relative/does-not-exist.so'].filter((p) => p !== LIBFFI || existsSync(p));
    const owners = hostOwnerLookup().lookup(paths);
    if (existsSync(LIBFFI)) {
      expect(owners.get(LIBFFI)).toEqual({ type: 'deb', distro: hostDistro, name: 'libffi8', version: dpkgVersion('libffi8') });
    }
    if (existsSync(LIBXML2)) {
      expect(owners.get(LIBXML2)).toEqual({ type: 'deb', distro: hostDistro, name: 'libxml2', version: dpkgVersion('libxml2') });
    }
    expect(owners.has(unowned)).toBe(false);
    expect(owners.has('relative/does-not-exist.so')).toBe(false);
  });

  it('resolves a symlink before asking, and keys the answer by the path as given', needs(requireFile(LIBFFI, 'libffi8')), () => {
    const link = path.join(tmp, 'libffi-link.so');
    symlinkSync(LIBFFI, link);
    const owners = hostOwnerLookup().lookup([link, link, '/usr/lib/x86_64-linux-gnu/libffi.so.8']);
    expect([...owners.keys()].sort()).toEqual(['/usr/lib/x86_64-linux-gnu/libffi.so.8', link].sort());
    expect(owners.get(link)?.name).toBe('libffi8');
  });

  it('falls back to the other merged-/usr spelling when dpkg knows only /lib/… (libc6)', needs(requireFile(LIBC, 'libc6')), () => {
    // realpath gives /usr/lib/x86_64-linux-gnu/libc.so.6, which `dpkg -S` does not know on Debian 12.
    const owner = hostOwnerLookup().lookup([LIBC]).get(LIBC);
    expect(owner).toEqual({ type: 'deb', distro: hostDistro, name: 'libc6', version: dpkgVersion('libc6') });
  });

  it('feeds the SBOM: the spec example component for libffi on Debian', needs(requireFile(LIBFFI, 'libffi8')), () => {
    const owner = hostOwnerLookup().lookup([LIBFFI]).get(LIBFFI);
    const text = buildSbom({
      wheelName: 'cffi',
      wheelVersion: '1.15.1',
      outputFilename: 'cffi-1.15.1-cp311-cp311-manylinux_2_34_x86_64.whl',
      tool: { name: 'wheelaudit', version: '0.1.0' },
      grafted: [{ sourcePath: LIBFFI, owner }],
    }) as string;
    const version = dpkgVersion('libffi8');
    const ref = `pkg:deb/${hostDistro}/libffi8@${version}#7e70a04d55d66d2e6595df294c6f8670ee42d9ceff0811efc233b111c10221d2`;
    expect(text).toContain(`{"type": "library", "bom-ref": "${ref}", "name": "libffi8", "version": "${version}", "purl": "pkg:deb/${hostDistro}/libffi8@${version}"}`);
    if (hostDistro === 'debian' && version === '3.4.4-1') {
      expect(ref).toBe('pkg:deb/debian/libffi8@3.4.4-1#7e70a04d55d66d2e6595df294c6f8670ee42d9ceff0811efc233b111c10221d2');
    }
  });

  it('batches: one dpkg -S and one dpkg -s call for all paths', needs(requireFile(LIBFFI, 'libffi8'), requireFile(LIBXML2, 'libxml2')), () => {
    const bin = path.join(tmp, 'spy-bin');
    mkdirSync(bin, { recursive: true });
    const log = path.join(tmp, 'dpkg-calls.log');
    const real = execFileSync('sh', ['-c', 'command -v dpkg'], { encoding: 'utf8' }).trim();
    writeExecutable(path.join(bin, 'dpkg'), `#!/bin/sh\necho "$*" >> '${log}'\nexec '${real}' "$@"\n`);
    vi.stubEnv('PATH', `${bin}${path.delimiter}${process.env['PATH'] ?? ''}`);
    const owners = hostOwnerLookup().lookup([LIBFFI, LIBXML2, path.join(tmp, 'nothing-here.so')]);
    expect(owners.size).toBe(2);
    const calls = readFileSync(log, 'utf8').trim().split('\n');
    expect(calls.filter((c) => c === '--version')).toHaveLength(1);
    expect(calls.filter((c) => c.startsWith('-S '))).toHaveLength(1);
    expect(calls.filter((c) => c.startsWith('-s '))).toHaveLength(1);
  });

  it('takes the distro from the os-release file and asks nothing without an ID', needs(requireFile(LIBXML2, 'libxml2')), () => {
    const ubuntu = path.join(tmp, 'os-release-ubuntu');
    writeFileSync(ubuntu, 'NAME="Ubuntu"\nID=ubuntu\n');
    const noId = path.join(tmp, 'os-release-noid');
    writeFileSync(noId, 'NAME="Nameless"\n');
    expect(hostOwnerLookup({ osRelease: ubuntu }).lookup([LIBXML2]).get(LIBXML2)?.distro).toBe('ubuntu');
    expect(hostOwnerLookup({ osRelease: noId }).lookup([LIBXML2]).size).toBe(0);
    expect(hostOwnerLookup({ osRelease: path.join(tmp, 'missing-os-release') }).lookup([LIBXML2]).size).toBe(0);
    expect(hostOwnerLookup().lookup([]).size).toBe(0);
  });
});

describe('tool order and availability (fake apk and rpm in PATH)', needs(requireTool('dpkg', 'dpkg')), () => {
  let bin: string;
  let alpine: string;
  beforeAll(() => {
    bin = path.join(tmp, 'fake-bin');
    mkdirSync(bin, { recursive: true });
    alpine = path.join(tmp, 'os-release-alpine');
    writeFileSync(alpine, 'ID=alpine\n');
    writeExecutable(
      path.join(bin, 'apk'),
      [
        '#!/bin/sh',
        'if [ "$1" = --version ]; then echo "apk-tools 2.14.0"; exit 0; fi',
        '[ "$1 $2" = "info --who-owns" ] || exit 99',
        'case "$3" in',
        '  *libc.a) echo "$3 is owned by musl-dev-1.2.4_git20230717-r4"; exit 0;;',
        'esac',
        'echo "ERROR: $3: Could not find owner package" >&2; exit 1',
        '',
      ].join('\n'),
    );
  });

  function withRpm(script: string): void {
    writeExecutable(path.join(bin, 'rpm'), script);
    vi.stubEnv('PATH', `${bin}${path.delimiter}${process.env['PATH'] ?? ''}`);
  }

  it('asks apk, then rpm, then dpkg, each only about what is still unknown', () => {
    const libcA = path.join(tmp, 'libc.a');
    const rpmOwned = path.join(tmp, 'rpm-owned.so');
    writeFileSync(libcA, '');
    writeFileSync(rpmOwned, '');
    withRpm(
      [
        '#!/bin/sh',
        'if [ "$1" = --version ]; then echo "RPM version 4.18.0"; exit 0; fi',
        '[ "$1" = -qf ] && [ "$2" = --queryformat ] || exit 99',
        `echo "$4" >> '${path.join(tmp, 'rpm-asked.log')}'`,
        'case "$4" in',
        `  */rpm-owned.so) printf '%s\\n' "libfoo 1.2.3 4.el9 x86_64"; exit 0;;`,
        'esac',
        'echo "file $4 is not owned by any package"; exit 1',
        '',
      ].join('\n'),
    );
    const paths = [libcA, rpmOwned, ...(existsSync(LIBXML2) ? [LIBXML2] : [])];
    const owners = hostOwnerLookup({ osRelease: alpine }).lookup(paths);
    expect(owners.get(libcA)).toEqual({ type: 'apk', distro: 'alpine', name: 'musl-dev', version: '1.2.4_git20230717-r4' });
    expect(owners.get(rpmOwned)).toEqual({ type: 'rpm', distro: 'alpine', name: 'libfoo', version: '1.2.3-4.el9' });
    if (existsSync(LIBXML2)) expect(owners.get(LIBXML2)).toMatchObject({ type: 'deb', distro: 'alpine', name: 'libxml2' });
    const asked = readFileSync(path.join(tmp, 'rpm-asked.log'), 'utf8');
    expect(asked).not.toContain('libc.a'); // answered by apk already
  });

  it('skips a tool whose --version fails', () => {
    const rpmOwned = path.join(tmp, 'rpm-owned-2.so');
    writeFileSync(rpmOwned, '');
    withRpm('#!/bin/sh\nif [ "$1" = --version ]; then exit 1; fi\nprintf "libfoo 1 2 x86_64\\n"; exit 0\n');
    expect(hostOwnerLookup({ osRelease: alpine }).lookup([rpmOwned]).size).toBe(0);
  });
});

describe('hostOwnerLookup with a sysroot (its dpkg database, read without dpkg)', () => {
  let root: string;
  beforeAll(() => {
    root = path.join(tmp, 'sysroot');
    const admin = path.join(root, 'var/lib/dpkg');
    mkdirSync(path.join(admin, 'info'), { recursive: true });
    mkdirSync(path.join(admin, 'updates'), { recursive: true });
    mkdirSync(path.join(root, 'usr/lib'), { recursive: true });
    mkdirSync(path.join(root, 'etc'), { recursive: true });
    writeFileSync(
      path.join(admin, 'status'),
      'Package: libfoo1\nStatus: install ok installed\nArchitecture: amd64\nVersion: 1:2.3+x-4\nMaintainer: nobody\nDescription: test\n\n',
    );
    writeFileSync(path.join(admin, 'info/libfoo1.list'), '/.\n/usr\n/usr/lib\n/usr/lib/libfoo.so.1\n');
    writeFileSync(path.join(root, 'usr/lib/libfoo.so.1'), '');
    writeFileSync(path.join(root, 'usr/lib/libother.so.1'), '');
    symlinkSync('usr/lib', path.join(root, 'lib'));
    symlinkSync('/usr/lib/libfoo.so.1', path.join(root, 'usr/lib/libfoo.so')); // absolute, inside the root
    writeFileSync(path.join(root, 'etc/os-release'), 'ID=testos\n');
  });

  it('resolves inside the root and reads the root dpkg database', () => {
    const owners = hostOwnerLookup({ root }).lookup([
      path.join(root, 'lib/libfoo.so'),
      path.join(root, 'usr/lib/libother.so.1'),
      ...(existsSync(LIBXML2) ? [LIBXML2] : []), // outside the root: unknown
    ]);
    expect([...owners]).toEqual([[path.join(root, 'lib/libfoo.so'), { type: 'deb', distro: 'testos', name: 'libfoo1', version: '1:2.3+x-4' }]]);
  });

  it('asks no host tool when the root has no package database, and says why owners are unknown', () => {
    const empty = path.join(tmp, 'empty-root');
    mkdirSync(path.join(empty, 'etc'), { recursive: true });
    writeFileSync(path.join(empty, 'etc/os-release'), 'ID=debian\n');
    symlinkSync(LIBXML2, path.join(empty, 'libxml2.so'));
    const lookup = hostOwnerLookup({ root: empty });
    expect(lookup.lookup([path.join(empty, 'libxml2.so')]).size).toBe(0);
    expect(lookup.unknownReason).toMatch(/has no package database wheelaudit can read/);
  });

  it('reports an rpm root plainly as unknown', () => {
    const rpmRoot = path.join(tmp, 'rpm-root');
    mkdirSync(path.join(rpmRoot, 'var/lib/rpm'), { recursive: true });
    mkdirSync(path.join(rpmRoot, 'etc'), { recursive: true });
    writeFileSync(path.join(rpmRoot, 'var/lib/rpm/Packages'), 'berkeley db bytes');
    writeFileSync(path.join(rpmRoot, 'etc/os-release'), 'ID="centos"\n');
    writeFileSync(path.join(rpmRoot, 'libz.so.1'), '');
    const lookup = hostOwnerLookup({ root: rpmRoot });
    expect(lookup.unknownReason).toBe(`${rpmRoot} keeps its packages in rpm's database (/var/lib/rpm/Packages), which wheelaudit cannot read without rpm`);
    expect(lookup.lookup([path.join(rpmRoot, 'libz.so.1')]).size).toBe(0);
  });

  it('reads an apk root (Alpine): F: directories and R: files', () => {
    const apkRoot = path.join(tmp, 'apk-root');
    mkdirSync(path.join(apkRoot, 'lib/apk/db'), { recursive: true });
    mkdirSync(path.join(apkRoot, 'usr/lib'), { recursive: true });
    mkdirSync(path.join(apkRoot, 'etc'), { recursive: true });
    writeFileSync(
      path.join(apkRoot, 'lib/apk/db/installed'),
      'C:Q1abc=\nP:musl\nV:1.2.4-r2\nA:x86_64\nF:lib\nR:ld-musl-x86_64.so.1\nR:libc.musl-x86_64.so.1\n\nC:Q1def=\nP:libffi\nV:3.4.4-r3\nF:usr\nF:usr/lib\nR:libffi.so.8.1.2\nR:libffi.so.8\n\n',
    );
    writeFileSync(path.join(apkRoot, 'usr/lib/libffi.so.8.1.2'), '');
    symlinkSync('libffi.so.8.1.2', path.join(apkRoot, 'usr/lib/libffi.so.8'));
    writeFileSync(path.join(apkRoot, 'etc/os-release'), 'ID=alpine\n');
    const lookup = hostOwnerLookup({ root: apkRoot });
    expect(lookup.unknownReason).toBeUndefined();
    expect([...lookup.lookup([path.join(apkRoot, 'usr/lib/libffi.so.8')])]).toEqual([
      [path.join(apkRoot, 'usr/lib/libffi.so.8'), { type: 'apk', distro: 'alpine', name: 'libffi', version: '3.4.4-r3' }],
    ]);
  });
});
