// check's abi3 output (text, GitHub message, summary cell, JSON) and the wheel-level JSON
// keys for run-time loads and provided libraries, from real checks of the abi3 and dlopener
// fixture wheels.
import { Chalk } from 'chalk';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { abi3CheckOf } from '../../../src/analyze/abi3-check.js';
import { checkExtras } from '../../../src/analyze/check-extras.js';
import { abi3CheckJson, abi3FailedText, abi3GithubMessage, abi3SummaryWhy, supplementJson } from '../../../src/cli/render/check-extras.js';
import { loadStableAbi } from '../../../src/policy/stable-abi.js';
import { HOST_AUDIT, platformAudit } from '../../helpers/audit-fixture.js';
import { REPO } from '../../helpers/corpus.js';

const COMMIT = (JSON.parse(readFileSync(path.join(REPO, 'policies', 'stable-abi.json'), 'utf8')) as { commit: string }).commit;

async function abi3(name: string): Promise<NonNullable<ReturnType<typeof abi3CheckOf>>> {
  const c = abi3CheckOf((await platformAudit(name)).report, loadStableAbi());
  if (c === undefined) throw new Error(`${name}: no abi3 claim`);
  return c;
}

describe('abi3 output', () => {
  it('a retag: the problems one per line, then what repair does, in text and for GitHub', async () => {
    const c = await abi3('abi3new-0.1.0-cp38-abi3-linux_x86_64.whl');
    const text = abi3FailedText(c, 'dist/a.whl', new Chalk({ level: 0 }));
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe('  cp38-abi3 (filename): fail: uses Python C-API symbols outside the stable ABI of Python 3.8');
    expect(lines.slice(1, -1)).toHaveLength(2);
    for (const l of lines.slice(1, -1)) expect(l).toMatch(/^ {4}- abi3new\/_abi3new\.abi3\.so: .*(PyErr_GetRaisedException|PyType_FromMetaclass)/);
    expect(lines.at(-1)).toBe('    repair fixes this: wheelaudit repair dist/a.whl (retags it cp312-abi3)');
    const gh = abi3GithubMessage(c, 'dist/a.whl').split('\n');
    expect(gh[0]).toBe('cp38-abi3 is not deserved: uses Python C-API symbols outside the stable ABI of Python 3.8');
    expect(gh.at(-1)).toBe('repair fixes this: wheelaudit repair dist/a.whl (retags it cp312-abi3)');
    expect(abi3SummaryWhy(c).split('\n')).toHaveLength(2);
  });

  it('JSON: problems with the version each needs, the data commit and the repair action', async () => {
    const j = abi3CheckJson(await abi3('abi3new-0.1.0-cp38-abi3-linux_x86_64.whl')) as Record<string, unknown>;
    expect(j).toMatchObject({ check: 'abi3', tag: 'cp38-abi3', claimed_by: ['filename'], status: 'fail', needed_version: '3.12', stable_abi_commit: COMMIT, repair: { action: 'retag', tag: 'cp312-abi3' } });
    expect(j['problems']).toEqual([
      { kind: 'newer', file: 'abi3new/_abi3new.abi3.so', symbol: 'PyErr_GetRaisedException', needs: '3.12', ifdef: null },
      { kind: 'newer', file: 'abi3new/_abi3new.abi3.so', symbol: 'PyType_FromMetaclass', needs: '3.12', ifdef: null },
    ]);
    const leak = abi3CheckJson(await abi3('abi3leak-0.1.0-cp38-abi3-linux_x86_64.whl')) as { repair: unknown; problems: { kind: string; needs: unknown }[] };
    expect(leak.repair).toEqual({ action: 'refuse', tag: null });
    expect(leak.problems.find((p) => p.kind === 'not-stable')?.needs).toBeNull();
    expect(abi3FailedText(await abi3('abi3leak-0.1.0-cp38-abi3-linux_x86_64.whl'), 'x.whl', new Chalk({ level: 0 }))).toContain('repair cannot fix this: no abi3 tag is true for it');
  });
});

describe('supplementJson', () => {
  it('nothing without a supplement; run-time loads with line, form and where found', async () => {
    expect(supplementJson(undefined)).toEqual({});
    const o = await platformAudit('dlopener-0.1.0-cp311-cp311-linux_x86_64.whl', { runtimeLoads: true });
    const j = supplementJson(checkExtras(o, HOST_AUDIT).supplement) as { runtime_loads: Record<string, unknown>[]; provided_libraries: unknown[] };
    expect(j.provided_libraries).toEqual([]);
    expect(j.runtime_loads.length).toBeGreaterThan(1);
    for (const l of j.runtime_loads) {
      expect(Object.keys(l)).toEqual(['file', 'line', 'via', 'name', 'form', 'found', 'path']);
      expect(['wheel', 'host', 'missing', 'computed']).toContain(l['found']);
      expect(l['path'] === null).toBe(l['found'] === 'missing' || l['found'] === 'computed');
    }
  });
});
