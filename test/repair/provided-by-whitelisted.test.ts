// The deliberate improvement over auditwheel: a library that a whitelisted system library
// loads itself (libGLX and libGLdispatch under libGL) is assumed present on the target with it
// and is not grafted; the report says so. Built here: an extension that needs libGL.so.1 and
// also libGLX.so.0 directly (as glvnd-linked code does), plus libffi as an ordinary graft.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { auditWheel } from '../../src/analyze/audit.js';
import { HostFs } from '../../src/analyze/host-fs.js';
import { runCli } from '../helpers/cli.js';

const LIBDIR = '/usr/lib/x86_64-linux-gnu';
const have = ['libGL.so.1', 'libGLX.so.0', 'libGLdispatch.so.0', 'libffi.so.8'].every((l) => existsSync(path.join(LIBDIR, l)));

const SRC = `
extern void *glXGetProcAddress(const unsigned char *);
extern void glFlush(void);
extern int ffi_prep_cif(void *, int, unsigned, void *, void **);
void *PyInit__glx(void) { return 0; }
void touch(void) { glFlush(); glXGetProcAddress((const unsigned char *)"x"); ffi_prep_cif(0, 0, 0, 0, 0); }
`;

const PACK = `
import sys, zipfile, hashlib, base64
out, so = sys.argv[1], sys.argv[2]
files = {'glx/__init__.py': b'', 'glx/_glx.cpython-311-x86_64-linux-gnu.so': open(so, 'rb').read(),
         'glx-0.1.0.dist-info/METADATA': b'Metadata-Version: 2.1\\nName: glx\\nVersion: 0.1.0\\n',
         'glx-0.1.0.dist-info/WHEEL': b'Wheel-Version: 1.0\\nGenerator: test\\nRoot-Is-Purelib: false\\nTag: cp311-cp311-linux_x86_64\\n\\n'}
rows = []
with zipfile.ZipFile(out, 'w', zipfile.ZIP_DEFLATED) as z:
    for name, data in files.items():
        z.writestr(zipfile.ZipInfo(name, (2024, 1, 1, 0, 0, 0)), data)
        digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()
        rows.append(f'{name},sha256={digest},{len(data)}')
    rows.append('glx-0.1.0.dist-info/RECORD,,')
    z.writestr(zipfile.ZipInfo('glx-0.1.0.dist-info/RECORD', (2024, 1, 1, 0, 0, 0)), '\\n'.join(rows) + '\\n')
`;

describe.skipIf(!have)('libraries a whitelisted library loads itself are not grafted', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wa-glx-'));
  const whl = path.join(dir, 'glx-0.1.0-cp311-cp311-linux_x86_64.whl');
  beforeAll(() => {
    const c = path.join(dir, 'glx.c');
    writeFileSync(c, SRC);
    const so = path.join(dir, '_glx.so');
    execFileSync('gcc', ['-shared', '-fPIC', '-o', so, c, `-L${LIBDIR}`, '-Wl,--no-as-needed', '-l:libGL.so.1', '-l:libGLX.so.0', '-l:libffi.so.8']);
    // The scenario needs libGLX.so.0 in the extension's own DT_NEEDED.
    expect(execFileSync('readelf', ['-dW', so], { encoding: 'utf8' })).toContain('[libGLX.so.0]');
    const r = spawnSync('python3', ['-c', PACK, whl, so], { encoding: 'utf8' });
    expect(r.status, r.stderr).toBe(0);
  });

  it('show: libGLX and libGLdispatch are not external (libGL is whitelisted and loads them), libffi is', async () => {
    const r = await runCli(['show', '--json', whl]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as { external_libs: Record<string, string | null> };
    expect(Object.keys(j.external_libs)).toEqual(['libffi.so.8']);
  });

  it('the report names the whitelisted library that provides them', async () => {
    const outcome = await auditWheel(whl, { disableIsaExtCheck: false, env: {}, cwd: dir, root: '', hostFs: new HostFs() });
    expect(outcome.kind).toBe('platform');
    if (outcome.kind !== 'platform') return;
    const provided = outcome.report.findings.filter((f) => f.kind === 'provided-by-whitelisted');
    expect(provided.map((f) => (f.kind === 'provided-by-whitelisted' ? [f.soname, f.providedBy] : []))).toEqual(expect.arrayContaining([['libGLX.so.0', 'libGL.so.1']]));
  });

  it('repair grafts libffi only, and says why libGLX stays', async () => {
    const out = path.join(dir, 'out');
    const r = await runCli(['repair', '-w', out, whl], { env: { SOURCE_DATE_EPOCH: '1700000000' } });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('Not grafting libGLX.so.0: libGL.so.1 loads it');
    const [file] = readdirSync(out);
    const listing = execFileSync('unzip', ['-Z1', path.join(out, file as string)], { encoding: 'utf8' });
    const grafted = listing.split('\n').filter((l) => l.startsWith('glx.libs/') && !l.endsWith('/'));
    expect(grafted).toHaveLength(1);
    expect(grafted[0]).toMatch(/^glx\.libs\/libffi-[0-9a-f]{8}\.so\.8/);
  });
});
