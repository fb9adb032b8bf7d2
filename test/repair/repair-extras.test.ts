// The three steps --include, --provided-by and the abi3 check add to repair, on the fixture
// wheels: what counts as provided before the analysis, the abi3 retag or refusal and the
// Requires-Dist warnings after it, and the grafts and run paths they add to the plan.
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { HostFs } from '../../src/analyze/host-fs.js';
import { loadProvider } from '../../src/analyze/load-provider.js';
import type { AuditReport } from '../../src/analyze/report.js';
import { planRepair } from '../../src/repair/plan.js';
import { afterAudit, extendPlan, prepareExtras, type PreparedExtras } from '../../src/repair/repair-extras.js';
import { platformAudit } from '../helpers/audit-fixture.js';
import { wheel } from '../helpers/cli.js';
import { REPO } from '../helpers/corpus.js';
import { needs, requireLibs } from '../helpers/requires.js';
import { ELF_OUT } from '../helpers/elf-contents.js';
import { graftSources } from '../helpers/graft-sources.js';

const CTX = { libDir: 'dlopener.libs', libc: undefined, fs: new HostFs(), root: '', cwd: ELF_OUT, env: {}, ldpaths: undefined };
const NONE: PreparedExtras = prepareExtras({ includes: [], providers: [] }, CTX);

describe('prepareExtras', () => {
  it('nothing asked: nothing provided, contents unchanged', () => {
    expect([NONE.provided.size, NONE.includes.length, NONE.amendContents]).toEqual([0, 0, undefined]);
  });

  it('an included library counts as provided at its new entry, by file name and soname; a provider by where it installs', async () => {
    const provpkg = await loadProvider(wheel('provpkg-0.1.0-py3-none-linux_x86_64.whl'), REPO);
    const x = prepareExtras({ includes: ['x86_64/dlopen/libwaplug.so.1'], providers: [provpkg] }, CTX);
    expect([...x.provided].map(([k, t]) => [k, t.installed, t.platform?.baseArch])).toEqual([
      ['libprov.so.1', 'provpkg/lib/libprov.so.1', 'x86_64'],
      // Included libraries were checked against the wheel's machine when resolved.
      ['libwaplug.so.1', 'dlopener.libs/libwaplug.so.1', undefined],
    ]);
    expect(x.amendContents).toBeTypeOf('function');
  });
});

async function after(name: string, o: { updateTags?: boolean; providers?: Awaited<ReturnType<typeof loadProvider>>[] } = {}): Promise<Awaited<ReturnType<typeof afterAudit>>> {
  const providers = o.providers ?? [];
  const x = prepareExtras({ includes: [], providers }, CTX);
  const report = (await platformAudit(name, { provided: x.provided })).report;
  return afterAudit(report, x, { wheelPath: wheel(name), file: name, updateTags: o.updateTags ?? true, providers });
}

describe('afterAudit', () => {
  it('abi3: keeps a true tag, retags a wheel needing a newer stable ABI, refuses one outside it', async () => {
    expect(await after('abi3ok-0.1.0-cp38-abi3-linux_x86_64.whl')).toEqual({ abi3PythonTag: undefined, logs: [] });
    const raised = await after('abi3new-0.1.0-cp38-abi3-linux_x86_64.whl');
    expect(raised.abi3PythonTag).toBe('cp312');
    expect(raised.logs).toEqual([{ level: 'warning', message: expect.stringMatching(/^abi3: the wheel needs the stable ABI of Python 3\.12 \(.*\); retagging cp38-abi3 as cp312-abi3$/) as string }]);
    await expect(after('abi3leak-0.1.0-cp38-abi3-linux_x86_64.whl')).rejects.toMatchObject({ code: 'REPAIR_REFUSED', message: expect.stringContaining('as cp38-abi3: it uses Python C-API symbols outside the stable ABI') as string });
  });

  it('--no-update-tags keeps a false abi3 tag with a warning instead of retagging or refusing', async () => {
    const kept = await after('abi3leak-0.1.0-cp38-abi3-linux_x86_64.whl', { updateTags: false });
    expect(kept.abi3PythonTag).toBeUndefined();
    expect(kept.logs[0]?.message).toMatch(/^abi3: the cp38-abi3 tag is not true \(.*\); kept as asked \(--no-update-tags\)$/);
  });

  it('providers: an info line per provided library, a warning when Requires-Dist lacks the provider or it provides nothing', async () => {
    const provpkg = await loadProvider(wheel('provpkg-0.1.0-py3-none-linux_x86_64.whl'), REPO);
    const declared = await after('provuser-0.1.0-cp311-cp311-linux_x86_64.whl', { providers: [provpkg] });
    expect(declared.logs).toEqual([{ level: 'info', message: 'Not grafting libprov.so.1: provpkg installs it as provpkg/lib/libprov.so.1' }]);
    const loose = await after('provloose-0.1.0-cp311-cp311-linux_x86_64.whl', { providers: [provpkg] });
    expect(loose.logs[0]).toEqual({ level: 'warning', message: 'provpkg provides libraries this wheel needs, but is not in its Requires-Dist: installing the wheel will not install them' });
    const unused = await after('symverold-0.1.0-cp311-cp311-linux_x86_64.whl', { providers: [provpkg] });
    expect(unused.logs).toEqual([{ level: 'warning', message: `--provided-by ${wheel('provpkg-0.1.0-py3-none-linux_x86_64.whl')}: provides none of the libraries this wheel needs` }]);
  });
});

describe('extendPlan', () => {
  function plan(report: AuditReport): ReturnType<typeof planRepair> {
    return planRepair(report, graftSources(report, 'manylinux_2_34_x86_64'), { graftPolicy: 'manylinux_2_34_x86_64', libSdir: '.libs', distribution: 'dlopener', android: false, androidApiLevel: undefined, is64: true, arch: 'x86_64', strip: false });
  }

  it('grafts an included library under the libs directory', needs(requireLibs('libffi.so.8')), async () => {
    const x = prepareExtras({ includes: [path.join(ELF_OUT, 'x86_64/dlopen/libwaplug.so.1')], providers: [] }, CTX);
    const report = (await platformAudit('dlopener-0.1.0-cp311-cp311-linux_x86_64.whl', { provided: x.provided, amendContents: x.amendContents, allowGraft: true })).report;
    const before = plan(report);
    const p = extendPlan(before, report, x, { libDir: before.libDir, distribution: 'dlopener', android: false, androidApiLevel: undefined, is64: true, arch: 'x86_64', strip: false });
    // The plug-in is added by extendPlan, at the entry --include gave it (its own name: code
    // loads it by that name); what it needs (libffi) was planned already.
    expect(before.grafts.some((g) => g.entry.includes('libwaplug'))).toBe(false);
    expect(p.grafts.filter((g) => g.entry.includes('libwaplug')).map((g) => g.entry)).toEqual(['dlopener.libs/libwaplug.so.1']);
    expect(p.grafts.length).toBe(before.grafts.length + 1);
  });
});
