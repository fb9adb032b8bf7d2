// The host context's sysroot rules, on real libraries built with gcc: a library reported
// under a sysroot is read through its path resolved inside the root (an absolute symlink there
// never reaches the host), and the SBOM names it by its path inside the root.
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HostFs } from '../../src/analyze/host-fs.js';
import { RepairError } from '../../src/errors.js';
import { auditSearch, readGraftSources, sbomView, type HostContext } from '../../src/repair/host-context.js';
import type { OwnerLookup } from '../../src/repair/package-owner.js';
import type { RepairPlan } from '../../src/repair/plan.js';
import { haveCompiler, LibTree } from '../helpers/build-libs.js';
import { MET, needs, unmet } from '../helpers/requires.js';

const sha8 = (file: string): string => createHash('sha256').update(readFileSync(file)).digest('hex').slice(0, 8);

function hostContext(root: string, owners?: OwnerLookup): HostContext {
  return { root, cwd: '/', env: {}, ldpaths: undefined, fs: new HostFs(root), owners, patcher: 'none' };
}

describe('readGraftSources', needs(haveCompiler() ? MET : unmet('needs gcc (Debian package gcc)')), () => {
  const lt = new LibTree('wheelaudit-host-context-');
  let root = '';
  let decoy = '';

  beforeAll(async () => {
    root = lt.p('root');
    decoy = lt.p('decoy');
    // Same soname, different bytes: the root's copy and a host decoy where the root's absolute link points.
    await lt.build([
      { out: `root${decoy}/libq.so.1`, soname: 'libq.so.1' },
      { out: 'decoy/libq.so.1', soname: 'libq.so.1', needed: ['libm.so.6'] },
    ]);
    lt.symlink('root/opt/libs', decoy);
    lt.symlink('root/loop/a', '/loop/b');
    lt.symlink('root/loop/b', '/loop/a');
  });
  afterAll(() => lt.cleanup());

  it('reads a library under the sysroot through the root, keyed by the reported path', () => {
    const reported = `${root}/opt/libs/libq.so.1`;
    const sources = readGraftSources([reported], undefined, hostContext(root));
    expect([...sources.keys()]).toEqual([reported]);
    const source = sources.get(reported);
    expect(source?.realpath).toBe(`${root}${decoy}/libq.so.1`);
    expect(source?.h8).toBe(sha8(`${root}${decoy}/libq.so.1`));
    expect(source?.h8).not.toBe(sha8(`${decoy}/libq.so.1`));
    expect(source?.needed).toEqual([]);
  });

  it('on the host (root ""), the same path follows the link to the host copy', () => {
    const reported = `${root}/opt/libs/libq.so.1`;
    const source = readGraftSources([reported], undefined, hostContext('')).get(reported);
    expect(source?.h8).toBe(sha8(`${decoy}/libq.so.1`));
    expect(source?.needed).toEqual(['libm.so.6']);
  });

  it('refuses a symlink loop inside the root with REPAIR_IO', () => {
    const run = (): unknown => readGraftSources([`${root}/loop/a`], undefined, hostContext(root));
    expect(run).toThrow(RepairError);
    expect(run).toThrow(/too many levels of symbolic links inside/);
  });
});

describe('sbomView', () => {
  const plan: RepairPlan = { libDir: 'pkg.libs', grafts: [], elves: [], strip: [], sbomSources: ['/sys/root/usr/lib/libz.so.1', '/usr/lib/libm.so.6'], logs: [] };
  const owners: OwnerLookup = { lookup: (paths) => new Map(paths.map((p) => [p, { type: 'deb', distro: 'debian', name: `owner of ${p}`, version: '1' }])) };

  it('on the host, is the plan and owner lookup unchanged', () => {
    const view = sbomView(plan, hostContext('', owners));
    expect(view.plan).toBe(plan);
    expect(view.owners).toBe(owners);
  });

  it('under a sysroot, names each source by its path inside the root', () => {
    const view = sbomView(plan, hostContext('/sys/root', owners));
    expect(view.plan.sbomSources).toEqual(['/usr/lib/libz.so.1', '/usr/lib/libm.so.6']);
    expect(view.plan.grafts).toBe(plan.grafts);
    // The owner lookup takes those inside paths and asks about the host files below the root.
    expect(view.owners?.lookup(['/usr/lib/libz.so.1']).get('/usr/lib/libz.so.1')?.name).toBe('owner of /sys/root/usr/lib/libz.so.1');
    expect(sbomView(plan, hostContext('/sys/root', undefined)).owners).toBeUndefined();
  });
});

describe('auditSearch', () => {
  it('hands the analysis the host context library search', () => {
    const host = { ...hostContext('/sys/root'), cwd: '/work', env: { LD_LIBRARY_PATH: '/x' }, ldpaths: '/a:/b' };
    expect(auditSearch(host)).toEqual({ env: { LD_LIBRARY_PATH: '/x' }, cwd: '/work', root: '/sys/root', hostFs: host.fs, ldpaths: '/a:/b' });
  });
});
