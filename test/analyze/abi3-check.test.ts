// The abi3 check of `check` on the real abi3 fixture wheels: a pass, a retag to the version the
// symbols need (the version read from policies/stable-abi.json), and a refusal for a symbol in
// no stable ABI; a wheel without an abi3 claim gets no check.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { abi3CheckOf } from '../../src/analyze/abi3-check.js';
import { loadStableAbi } from '../../src/policy/stable-abi.js';
import { platformAudit } from '../helpers/audit-fixture.js';
import { REPO } from '../helpers/corpus.js';

const abi = loadStableAbi();
const JSON_ABI = JSON.parse(readFileSync(path.join(REPO, 'policies', 'stable-abi.json'), 'utf8')) as { commit: string; symbols: Record<string, { added: string }> };

describe('abi3CheckOf', () => {
  it('abi3ok: passes, and repair keeps the tag', async () => {
    const c = abi3CheckOf((await platformAudit('abi3ok-0.1.0-cp38-abi3-linux_x86_64.whl')).report, abi);
    expect(c).toEqual({
      check: 'abi3',
      tag: 'cp38-abi3',
      claimedBy: ['filename'],
      status: 'pass',
      reason: undefined,
      problems: [],
      neededVersion: '3.8',
      dataCommit: JSON_ABI.commit,
      repair: { action: 'keep', tag: undefined },
    });
  });

  it('abi3new: fails naming the 3.12 symbols, and repair retags to cp312-abi3', async () => {
    const c = abi3CheckOf((await platformAudit('abi3new-0.1.0-cp38-abi3-linux_x86_64.whl')).report, abi);
    expect(JSON_ABI.symbols['PyType_FromMetaclass']?.added).toBe('3.12');
    expect(JSON_ABI.symbols['PyErr_GetRaisedException']?.added).toBe('3.12');
    expect(c?.status).toBe('fail');
    expect(c?.reason).toBe('uses Python C-API symbols outside the stable ABI of Python 3.8');
    expect(c?.problems.map((p) => [p.kind, p.symbol])).toEqual([
      ['newer', 'PyErr_GetRaisedException'],
      ['newer', 'PyType_FromMetaclass'],
    ]);
    expect(c?.neededVersion).toBe('3.12');
    expect(c?.repair).toEqual({ action: 'retag', tag: 'cp312-abi3' });
  });

  it('abi3leak: a private symbol in no stable ABI makes repair refuse', async () => {
    const c = abi3CheckOf((await platformAudit('abi3leak-0.1.0-cp38-abi3-linux_x86_64.whl')).report, abi);
    expect(JSON_ABI.symbols['_PyObject_GetDictPtr']).toBeUndefined();
    expect(c?.problems).toContainEqual({ kind: 'not-stable', elf: 'abi3leak/_abi3leak.abi3.so', symbol: '_PyObject_GetDictPtr' });
    expect([c?.status, c?.repair.action]).toEqual(['fail', 'refuse']);
  });

  it('a cp311-cp311 wheel makes no abi3 claim', async () => {
    expect(abi3CheckOf((await platformAudit('symverold-0.1.0-cp311-cp311-linux_x86_64.whl')).report, abi)).toBeUndefined();
  });
});
