// What a repair did, for its closing lines: each graft with its entry, source and size; each
// library left out with the reason (an --exclude pattern, libpython), from real audits and
// plans of the fixture wheels.
import { statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { AuditReport } from '../../src/analyze/report.js';
import { planRepair } from '../../src/repair/plan.js';
import { summarizeRepair } from '../../src/repair/summary.js';
import { platformAudit } from '../helpers/audit-fixture.js';
import { graftSources } from '../helpers/graft-sources.js';
import { needs, requireLibs } from '../helpers/requires.js';

function plan(report: AuditReport, policy: string): ReturnType<typeof planRepair> {
  return planRepair(report, graftSources(report, policy), {
    graftPolicy: policy,
    libSdir: '.libs',
    distribution: report.name.distribution,
    android: false,
    androidApiLevel: undefined,
    is64: true,
    arch: report.arch,
    strip: false,
  });
}

const POLICY = 'manylinux_2_28_x86_64';

describe('summarizeRepair', () => {
  it('withffi: one graft, with its entry under withffi.libs, its host path and its size', needs(requireLibs('libffi.so.8')), async () => {
    const r = (await platformAudit('withffi-0.1.0-cp311-cp311-linux_x86_64.whl', { allowGraft: true, requestedPolicyBaseName: 'auto' })).report;
    const sizes: string[] = [];
    const s = summarizeRepair(r, plan(r, POLICY), POLICY, (p) => {
      sizes.push(p);
      return statSync(p).size;
    });
    expect(s.grafted).toHaveLength(1);
    const g = s.grafted[0];
    expect(g?.soname).toBe('libffi.so.8');
    expect(g?.entry).toMatch(/^withffi\.libs\/libffi-[0-9a-f]{8}\.so\.8[.\d]*$/);
    expect(g?.size).toBe(statSync(g?.source ?? '').size);
    expect(sizes).toEqual([g?.source]);
    expect(s.leftOut).toEqual([]);
  });

  it('an --exclude pattern and libpython are left out, each with its reason', async () => {
    const ex = (await platformAudit('withffi-0.1.0-cp311-cp311-linux_x86_64.whl', { allowGraft: true, exclude: ['libffi.so.*'] })).report;
    const s1 = summarizeRepair(ex, plan(ex, POLICY), POLICY, () => 0);
    expect(s1).toEqual({ grafted: [], leftOut: [{ name: 'libffi.so.8', reason: '--exclude libffi.so.*' }] });
    const py = (await platformAudit('withpython-0.1.0-cp311-cp311-linux_x86_64.whl', { allowGraft: true })).report;
    const s2 = summarizeRepair(py, plan(py, POLICY), POLICY, () => 0);
    expect(s2.leftOut).toEqual([{ name: 'libpython3.11.so.1.0', reason: 'libpython is provided by the interpreter; its DT_NEEDED entry was removed' }]);
  });
});
