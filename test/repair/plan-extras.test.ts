// planExtras on hand-made plans: where run paths to the libs directory and to provided
// libraries go, how included libraries become grafts that keep their names, and refusals.
import { describe, expect, it } from 'vitest';
import type { ProvidedUse } from '../../src/analyze/supplement.js';
import { RepairError } from '../../src/errors.js';
import { planExtras, type IncludedLibrary, type PlanExtrasOptions } from '../../src/repair/plan-extras.js';
import type { GraftSource, PlannedElf, PlannedGraft, RepairPlan } from '../../src/repair/plan.js';

const src = (realpath: string): GraftSource => ({ realpath, h8: '0123abcd', mode: 0o100755, needed: [] });

const ffiGraft: PlannedGraft = { soname: 'libffi.so.8', newName: 'libffi-0123abcd.so.8', entry: 'pkg.libs/libffi-0123abcd.so.8', source: src('/usr/lib/libffi.so.8'), ops: [{ kind: 'remove-rpath' }] };

function plan(elves: PlannedElf[], grafts: PlannedGraft[] = []): RepairPlan {
  return { libDir: 'pkg.libs', grafts, elves, strip: [], sbomSources: grafts.map((g) => g.source.realpath), logs: [] };
}

const base: Omit<PlanExtrasOptions, 'includes' | 'provided'> = {
  libDir: 'pkg.libs',
  distribution: 'pkg',
  android: false,
  androidApiLevel: undefined,
  is64: true,
  arch: 'x86_64',
  strip: false,
  runPaths: new Map([['pkg/_ext.so', '$ORIGIN/inner:/usr/local/lib']]),
};

const use = (soname: string, installed: string, neededBy: string[]): ProvidedUse => ({
  soname,
  match: { provider: { source: 'torch.whl', distribution: 'torch', libraries: [] }, library: { installed, soname } },
  neededBy,
});

const plugin: IncludedLibrary = { entry: 'pkg.libs/libplug.so.1', name: 'libplug.so.1', soname: 'libplug.so.1', source: src('/opt/libplug.so.1.0'), hasRunPath: true };

describe('planExtras', () => {
  it('changes nothing without --include or --provided-by', () => {
    const p = plan([{ entry: 'pkg/_ext.so', newEntry: 'pkg/_ext.so', ops: [], shim: undefined }]);
    expect(planExtras(p, { ...base, includes: [], provided: [] })).toBe(p);
  });

  it('provided: a run path from where each file installs to where the provider installs the library', () => {
    const p = plan(
      [
        { entry: 'pkg/_ext.so', newEntry: 'pkg/_ext.so', ops: [], shim: undefined },
        { entry: 'pkg-1.0.data/platlib/pkg/sub/_deep.so', newEntry: 'pkg-1.0.data/platlib/pkg/sub/_deep.so', ops: [{ kind: 'set-rpath', value: '$ORIGIN/../../pkg.libs', tag: 'DT_RPATH' }], shim: undefined },
      ],
      [ffiGraft],
    );
    const out = planExtras(p, { ...base, includes: [], provided: [use('libc10.so', 'torch/lib/libc10.so', ['pkg/_ext.so', 'pkg-1.0.data/platlib/pkg/sub/_deep.so', 'libffi.so.8'])] });
    // Existing entries inside the wheel are kept, those outside dropped (as repair does).
    expect(out.elves[0]?.ops).toEqual([{ kind: 'set-rpath', value: '$ORIGIN/inner:$ORIGIN/../torch/lib', tag: 'DT_RPATH' }]);
    expect(out.elves[1]?.ops).toEqual([{ kind: 'set-rpath', value: '$ORIGIN/../../pkg.libs:$ORIGIN/../../torch/lib', tag: 'DT_RPATH' }]);
    // A graft needing it: its remove-rpath becomes a run path from the libs directory.
    expect(out.grafts[0]?.ops).toEqual([{ kind: 'set-rpath', value: '$ORIGIN/../torch/lib', tag: 'DT_RPATH' }]);
  });

  it('include: the library becomes a graft that keeps its name and SONAME; every ELF gets the libs directory', () => {
    const p = plan(
      [
        { entry: 'pkg/_ext.so', newEntry: 'pkg/_ext.so', ops: [], shim: undefined },
        { entry: 'pkg.libs/libplug.so.1', newEntry: 'pkg.libs/libplug.so.1', ops: [{ kind: 'replace-needed', from: 'libffi.so.8', to: 'libffi-0123abcd.so.8' }, { kind: 'set-rpath', value: '$ORIGIN', tag: 'DT_RPATH' }], shim: undefined },
      ],
      [ffiGraft],
    );
    const out = planExtras(p, { ...base, strip: true, includes: [plugin], provided: [] });
    expect(out.elves.map((e) => e.entry)).toEqual(['pkg/_ext.so']);
    expect(out.elves[0]?.ops).toEqual([{ kind: 'set-rpath', value: '$ORIGIN/inner:$ORIGIN/../pkg.libs', tag: 'DT_RPATH' }]);
    const g = out.grafts.find((x) => x.entry === plugin.entry);
    expect(g).toMatchObject({ soname: 'libplug.so.1', newName: 'libplug.so.1', source: plugin.source });
    expect(g?.ops).toEqual(p.elves[1]?.ops);
    expect(g?.ops.some((op) => op.kind === 'set-soname')).toBe(false);
    expect(out.strip).toEqual(['pkg.libs/libffi-0123abcd.so.8', 'pkg.libs/libplug.so.1', 'pkg/_ext.so']);
    expect(out.sbomSources).toEqual(['/usr/lib/libffi.so.8', '/opt/libplug.so.1.0']);
  });

  it('include: a run path from the build machine is dropped when nothing replaces it', () => {
    const p = plan([{ entry: 'pkg.libs/libplug.so.1', newEntry: 'pkg.libs/libplug.so.1', ops: [], shim: undefined }]);
    expect(planExtras(p, { ...base, includes: [plugin], provided: [] }).grafts[0]?.ops).toEqual([{ kind: 'remove-rpath' }]);
    expect(planExtras(p, { ...base, includes: [{ ...plugin, hasRunPath: false }], provided: [] }).grafts[0]?.ops).toEqual([]);
  });

  it('an ELF script that now needs a run path moves behind a shim, as repair does for grafts', () => {
    const p = plan([{ entry: 'pkg-1.0.data/scripts/tool', newEntry: 'pkg-1.0.data/scripts/tool', ops: [], shim: undefined }]);
    const out = planExtras(p, { ...base, includes: [], provided: [use('libc10.so', 'torch/lib/libc10.so', ['pkg-1.0.data/scripts/tool'])] });
    expect(out.elves[0]?.newEntry).toBe('pkg.scripts/tool');
    expect(out.elves[0]?.shim).toContain("'pkg.scripts/tool'");
    expect(out.elves[0]?.ops).toEqual([{ kind: 'set-rpath', value: '$ORIGIN/../torch/lib', tag: 'DT_RPATH' }]);
  });

  it('refuses a run path below Android API 24, and an included library the analysis did not accept', () => {
    const p = plan([{ entry: 'pkg/_ext.so', newEntry: 'pkg/_ext.so', ops: [], shim: undefined }]);
    const provided = [use('libc10.so', 'torch/lib/libc10.so', ['pkg/_ext.so'])];
    expect(() => planExtras(p, { ...base, android: true, androidApiLevel: 21, includes: [], provided })).toThrow(/API level 24/);
    expect(planExtras(p, { ...base, android: true, androidApiLevel: 24, includes: [], provided }).elves[0]?.ops[0]).toMatchObject({ tag: 'DT_RUNPATH' });
    let e: unknown;
    try {
      planExtras(p, { ...base, includes: [plugin], provided: [] });
    } catch (x) {
      e = x;
    }
    expect(e).toBeInstanceOf(RepairError);
    expect((e as RepairError).message).toContain('--include /opt/libplug.so.1.0: the analysis did not accept it');
  });
});
