// show --json, schema version 1, key for key as auditwheel prints it: the verdict names, the
// booleans for the checks that failed, versioned symbols and external libraries sorted, and an
// upgrade entry for each more compatible tag that says what blocks it.
import { describe, expect, it } from 'vitest';
import { showJson } from '../../../src/cli/render/show-json.js';
import { platformAudit } from '../../helpers/audit-fixture.js';
import { needs, requireLibs } from '../../helpers/requires.js';

describe('showJson', () => {
  it('symverold: a clean wheel, keys in the reference order', async () => {
    const j = showJson((await platformAudit('symverold-0.1.0-cp311-cp311-linux_x86_64.whl')).report);
    expect(Object.keys(j as object)).toEqual(['version', 'wheel', 'pure', 'overall_tag', 'sym_tag', 'pyfpe', 'ucs2', 'unsupported_isa', 'versioned_symbols', 'external_libs', 'policy_upgrades']);
    expect(j).toEqual({
      version: 1,
      wheel: 'symverold-0.1.0-cp311-cp311-linux_x86_64.whl',
      pure: false,
      overall_tag: 'manylinux_2_5_x86_64',
      sym_tag: 'manylinux_2_5_x86_64',
      pyfpe: false,
      ucs2: false,
      unsupported_isa: false,
      versioned_symbols: { 'libc.so.6': ['GLIBC_2.2.5'] },
      external_libs: {},
      policy_upgrades: {},
    });
  });

  it('zblack: every tag above the verdict lists the black-listed zcfree; the ISA, PyFPE and UCS2 flags stay false', async () => {
    const r = (await platformAudit('zblack-0.1.0-cp311-cp311-linux_x86_64.whl')).report;
    const j = showJson(r) as { overall_tag: string; policy_upgrades: Record<string, unknown>; pyfpe: boolean; unsupported_isa: boolean };
    expect(j.overall_tag).toBe('linux_x86_64');
    const above = r.policies.policies.filter((p) => p.priority > r.overall.priority).map((p) => p.name);
    expect(Object.keys(j.policy_upgrades).sort()).toEqual([...above].sort());
    for (const name of above) expect(j.policy_upgrades[name], name).toEqual({ blacklisted_symbols: { 'libz.so.1': ['zcfree'] } });
    expect([j.pyfpe, j.unsupported_isa]).toEqual([false, false]);
  });

  it('isav2 and fpe set their flags', async () => {
    expect(showJson((await platformAudit('isav2-0.1.0-cp311-cp311-linux_x86_64.whl')).report)).toMatchObject({ unsupported_isa: true, pyfpe: false, overall_tag: 'linux_x86_64' });
    expect(showJson((await platformAudit('fpe-0.1.0-cp311-cp311-linux_x86_64.whl')).report)).toMatchObject({ pyfpe: true, unsupported_isa: false });
  });

  it('withffi: the external library with its host path, and libs_to_eliminate for every manylinux tag', needs(requireLibs('libffi.so.8')), async () => {
    const r = (await platformAudit('withffi-0.1.0-cp311-cp311-linux_x86_64.whl')).report;
    const j = showJson(r) as { external_libs: Record<string, string | null>; policy_upgrades: Record<string, { libs_to_eliminate?: string[] }> };
    expect(Object.keys(j.external_libs)).toEqual(['libffi.so.8']);
    expect(j.external_libs['libffi.so.8']).toMatch(/\/libffi\.so\.8[.\d]*$/);
    const upgrades = Object.values(j.policy_upgrades);
    expect(upgrades.length).toBe(r.policies.policies.length - 1);
    for (const u of upgrades) expect(u.libs_to_eliminate).toEqual(['libffi.so.8']);
  });
});
