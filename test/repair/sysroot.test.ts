// `repair --sysroot DIR` behaves as if run inside DIR, and never takes a library from the
// host: here DIR's library directory is an ABSOLUTE symlink (/opt/libs -> <decoy>) whose
// target also exists on the host, holding a different library with the same soname. Followed
// on the host, the link would reach that decoy; inside DIR it reaches DIR's own copy. The
// lookup (ld.so.conf and its include through another absolute link), the graft that is read,
// and the reported paths must all be DIR's.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { haveCompiler, LibTree } from '../helpers/build-libs.js';
import { runCli } from '../helpers/cli.js';
import { needs, requireTool, unmet, MET } from '../helpers/requires.js';

const PACK = String.raw`
import base64, hashlib, sys, zipfile
so, out = sys.argv[1], sys.argv[2]
files = [("sysmod.cpython-311-x86_64-linux-gnu.so", open(so, "rb").read()),
         ("sysmod-0.1.0.dist-info/METADATA", b"Metadata-Version: 2.1\nName: sysmod\nVersion: 0.1.0\n"),
         ("sysmod-0.1.0.dist-info/WHEEL", b"Wheel-Version: 1.0\nGenerator: sysroot.test.ts\nRoot-Is-Purelib: false\nTag: cp311-cp311-linux_x86_64\n")]
rows = ["%s,sha256=%s,%d" % (n, base64.urlsafe_b64encode(hashlib.sha256(d).digest()).rstrip(b"=").decode(), len(d)) for n, d in files]
rows.append("sysmod-0.1.0.dist-info/RECORD,,")
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for n, d in files + [("sysmod-0.1.0.dist-info/RECORD", ("\n".join(rows) + "\n").encode())]:
        z.writestr(zipfile.ZipInfo(n, (2024, 1, 1, 0, 0, 0)), d)
`;

const sha8 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 8);

describe('repair --sysroot with absolute symlinks that also resolve on the host', needs(haveCompiler() ? MET : unmet('needs gcc (Debian package gcc)'), requireTool('python3', 'python3'), requireTool('unzip', 'unzip')), () => {
  const lt = new LibTree('wheelaudit-sysroot-');
  let root = '';
  let decoy = '';
  let wheel = '';

  beforeAll(async () => {
    root = lt.p('root');
    decoy = lt.p('decoy');
    await lt.build([
      // The root's library and the host decoy: same soname, different bytes (different needs).
      { out: `root${decoy}/libq.so.1`, soname: 'libq.so.1', libc: true },
      { out: 'decoy/libq.so.1', soname: 'libq.so.1', needed: ['libm.so.6'], libc: true },
      { out: 'ext/sysmod.so', soname: 'sysmod.so', needed: ['libq.so.1'], libc: true },
    ]);
    lt.symlink('root/opt/libs', decoy); // absolute: inside the root it means <root><decoy>
    // ld.so.conf and its include directory are absolute links too; on the host they do not exist.
    lt.write('root/real/ld.so.conf', 'include /etc/ld.so.conf.d/*.conf\n');
    lt.write('root/real/conf.d/libs.conf', '/opt/libs\n');
    lt.symlink('root/etc/ld.so.conf', '/real/ld.so.conf');
    lt.symlink('root/etc/ld.so.conf.d', '/real/conf.d');
    wheel = lt.p('dist/sysmod-0.1.0-cp311-cp311-linux_x86_64.whl');
    lt.mkdir('dist');
    writeFileSync(lt.p('pack.py'), PACK);
    const r = spawnSync('python3', [lt.p('pack.py'), lt.p('ext/sysmod.so'), wheel], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`packing the wheel failed: ${r.stderr}`);
  });

  afterAll(() => lt.cleanup());

  it('the decoy really is what the links reach on the host', () => {
    expect(readFileSync(path.join(root, 'opt/libs/libq.so.1')).equals(readFileSync(path.join(decoy, 'libq.so.1')))).toBe(true);
    expect(sha8(path.join(decoy, 'libq.so.1'))).not.toBe(sha8(path.join(root, decoy, 'libq.so.1')));
  });

  it('show finds libq.so.1 through the root ld.so.conf, at the path a run inside the root reports', async () => {
    const r = await runCli(['show', '--json', '--sysroot', root, wheel]);
    expect(r.code, r.stderr).toBe(0);
    const libs = (JSON.parse(r.stdout) as { external_libs: Record<string, string | null> }).external_libs;
    expect(libs['libq.so.1']).toBe(`${root}/opt/libs/libq.so.1`);
  });

  it("repair grafts the root's copy, not the host's decoy", async () => {
    const out = lt.p('wheelhouse');
    const r = await runCli(['repair', '--sysroot', root, '-w', out, wheel]);
    expect(r.code, r.stderr).toBe(0);
    const [name] = readdirSync(out);
    const list = spawnSync('unzip', ['-Z1', path.join(out, name as string)], { encoding: 'utf8' }).stdout.split('\n');
    const graft = list.find((n) => n.startsWith('sysmod.libs/libq-'));
    expect(graft).toBe(`sysmod.libs/libq-${sha8(path.join(root, decoy, 'libq.so.1'))}.so.1`);
  });

  it('without the sysroot, the same links lead to the host decoy (the contrast)', async () => {
    const r = await runCli(['show', '--json', '--ldpaths', path.join(root, 'opt/libs'), wheel]);
    const libs = (JSON.parse(r.stdout) as { external_libs: Record<string, string | null> }).external_libs;
    expect(libs['libq.so.1']).toBe(`${root}/opt/libs/libq.so.1`);
    const out = lt.p('wheelhouse-host');
    expect((await runCli(['repair', '--ldpaths', path.join(root, 'opt/libs'), '-w', out, wheel])).code).toBe(0);
    const [name] = readdirSync(out);
    const list = spawnSync('unzip', ['-Z1', path.join(out, name as string)], { encoding: 'utf8' }).stdout.split('\n');
    expect(list).toContain(`sysmod.libs/libq-${sha8(path.join(decoy, 'libq.so.1'))}.so.1`);
  });
});
