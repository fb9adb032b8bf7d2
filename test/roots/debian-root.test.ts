// The Debian-root helper itself (test/helpers/debian-root.ts, deb-packages.ts): a bullseye root
// built by debootstrap from the machine's mirror is a real older distribution (its own
// glibc, Python and libffi), commands run inside it see /proc and the binds they asked for,
// and nothing they do reaches the cached root or outlives the command.
import { readFileSync, existsSync, mkdtempSync, rmSync, writeFileSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyRoot, debianRoot, rootSupport, runInRoot } from '../helpers/debian-root.js';
import { debRoot, debSupport } from '../helpers/deb-packages.js';
import { needs } from '../helpers/requires.js';

const BULLSEYE = { suite: 'bullseye', include: ['python3', 'libglib2.0-0'] } as const;

describe('a debootstrap root (bullseye)', needs(rootSupport()), () => {
  let root = '';
  let scratch = '';
  beforeAll(async () => {
    root = await debianRoot(BULLSEYE);
    scratch = mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-roots-'));
  });
  afterAll(() => {
    if (scratch !== '') rmSync(scratch, { recursive: true, force: true });
  });

  it('is bullseye: glibc 2.31, Python 3.9, libgobject linking libffi.so.7', () => {
    expect(readFileSync(path.join(root, 'etc/debian_version'), 'utf8')).toMatch(/^11\./);
    const r = runInRoot(root, ['python3', '-c', 'import os, sys; print(sys.version_info[:2]); print(os.confstr("CS_GNU_LIBC_VERSION"))']);
    expect(r.stderr).toBe('');
    expect(r.stdout).toBe('(3, 9)\nglibc 2.31\n');
    expect(existsSync(path.join(root, 'usr/lib/x86_64-linux-gnu/libffi.so.7'))).toBe(true);
    expect(existsSync(path.join(root, 'usr/lib/x86_64-linux-gnu/libffi.so.8'))).toBe(false);
  });

  it('a second request for the same packages (in any order) is the cached root', async () => {
    expect(await debianRoot({ suite: 'bullseye', include: ['libglib2.0-0', 'python3'] })).toBe(root);
  });

  it('runs with /proc mounted, a private /tmp and a clean environment', () => {
    const r = runInRoot(root, ['sh', '-c', 'cat /proc/self/comm; ls -A /tmp | wc -l; echo "$HOME $PATH"; echo "${WHEELAUDIT_TEST_SECRET:-unset}"'], {});
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n').slice(0, 4)).toEqual(['cat', '0', '/root /usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin', 'unset']);
  });

  it('has pseudo-terminals, as a machine does (script(1) works)', () => {
    const r = runInRoot(root, ['script', '-qec', 'tty', '/dev/null']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^\/dev\/pts\/\d+\r?\n$/);
  });

  it('binds a host directory (read-only when asked), and leaves no mount behind', () => {
    const host = mkdtempSync(path.join(scratch, 'data-'));
    writeFileSync(path.join(host, 'hello.txt'), 'from the host\n');
    const ro = runInRoot(root, ['sh', '-c', 'cat /tmp/data/hello.txt; echo x > /tmp/data/new 2>/dev/null && echo wrote || echo refused'], {
      binds: [{ host, at: '/tmp/data', readOnly: true }],
    });
    expect(ro.stdout).toBe('from the host\nrefused\n');
    const rw = runInRoot(root, ['sh', '-c', 'echo x > /tmp/data/new && echo wrote'], { binds: [{ host, at: '/tmp/data' }] });
    expect(rw.stdout).toBe('wrote\n');
    expect(readFileSync(path.join(host, 'new'), 'utf8')).toBe('x\n');
    expect(readFileSync('/proc/self/mounts', 'utf8')).not.toContain(root);
    expect(readdirSync(path.join(root, 'tmp'))).toEqual([]);
  });

  it('refuses a bind that would create a mount point inside the shared root', () => {
    expect(() => runInRoot(root, ['true'], { binds: [{ host: scratch, at: '/opt/new-dir' }] })).toThrow(/must be under \/tmp or exist/);
  });

  it('writable: changes go to a throwaway overlay, never into the cached root', () => {
    const r = runInRoot(root, ['sh', '-c', 'echo changed > /etc/wheelaudit-probe && cat /etc/wheelaudit-probe'], { writable: true });
    expect(r.stdout).toBe('changed\n');
    expect(existsSync(path.join(root, 'etc/wheelaudit-probe'))).toBe(false);
  });

  it('copyRoot gives a private copy that keeps device nodes and can be changed and disposed', () => {
    const copy = copyRoot(root, scratch);
    try {
      const r = runInRoot(copy.path, ['sh', '-c', 'echo ok > /dev/null && echo kept > /etc/wheelaudit-probe && cat /etc/wheelaudit-probe']);
      expect(r.stdout).toBe('kept\n');
      expect(readFileSync(path.join(copy.path, 'etc/wheelaudit-probe'), 'utf8')).toBe('kept\n');
      expect(existsSync(path.join(root, 'etc/wheelaudit-probe'))).toBe(false);
    } finally {
      copy.dispose();
    }
    expect(existsSync(copy.path)).toBe(false);
  });
});

describe('packages of another suite unpacked with apt-get download + dpkg-deb -x', needs(debSupport()), () => {
  it('trixie libffi8 lands in a scratch root, the system apt state untouched', async () => {
    const lists = readdirSync('/var/lib/apt/lists').sort();
    const root = await debRoot({ suite: 'trixie', packages: ['libffi8'] });
    expect(readFileSync(path.join(root, 'packages.txt'), 'utf8')).toMatch(/^libffi8_3\.4\.\d.*_amd64\.deb\n$/);
    expect(existsSync(path.join(root, 'usr/lib/x86_64-linux-gnu/libffi.so.8'))).toBe(true);
    expect(readdirSync('/var/lib/apt/lists').sort()).toEqual(lists);
  });
});
