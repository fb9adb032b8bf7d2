// The edit plan (src/elf/edit.ts): operations in patchelf's order become one order-independent
// plan, and contradictions are refused before any byte is written.
import { describe, expect, it } from 'vitest';
import { isEmptyPlan, planElfEdit, type ElfEditOp } from '../../src/elf/edit.js';
import { isWheelauditError } from '../../src/errors.js';

function codeOf(f: () => unknown): string | undefined {
  try {
    f();
  } catch (e) {
    return isWheelauditError(e) ? e.code : `not a WheelauditError: ${String(e)}`;
  }
  return undefined;
}

describe('planElfEdit', () => {
  const invalid: [string, ElfEditOp[]][] = [
    ['remove and replace the same name', [{ kind: 'remove-needed', name: 'a' }, { kind: 'replace-needed', from: 'a', to: 'b' }]],
    ['replace, then remove the new name', [{ kind: 'replace-needed', from: 'a', to: 'b' }, { kind: 'remove-needed', name: 'b' }]],
    ['replace one name two ways', [{ kind: 'replace-needed', from: 'a', to: 'b' }, { kind: 'replace-needed', from: 'a', to: 'c' }]],
    ['a rename chain', [{ kind: 'replace-needed', from: 'a', to: 'b' }, { kind: 'replace-needed', from: 'b', to: 'c' }]],
    ['set and remove the run path', [{ kind: 'set-rpath', value: 'x', tag: 'DT_RPATH' }, { kind: 'remove-rpath' }]],
    ['two SONAMEs', [{ kind: 'set-soname', soname: 'a' }, { kind: 'set-soname', soname: 'b' }]],
    ['an empty name', [{ kind: 'set-soname', soname: '' }]],
    ['a NUL in a name', [{ kind: 'replace-needed', from: 'a', to: 'b\0c' }]],
  ];
  for (const [what, ops] of invalid) {
    it(`refuses ${what}`, () => expect(codeOf(() => planElfEdit(ops))).toBe('ELF_EDIT_INVALID'));
  }
  it('accepts repeated identical operations', () => {
    const p = planElfEdit([{ kind: 'set-soname', soname: 'a' }, { kind: 'set-soname', soname: 'a' }, { kind: 'replace-needed', from: 'x', to: 'y' }, { kind: 'replace-needed', from: 'x', to: 'y' }]);
    expect(p.soname).toBe('a');
    expect([...p.replaceNeeded]).toEqual([['x', 'y']]);
  });

  it('gives the same plan whatever the order of the operations', () => {
    const ops: ElfEditOp[] = [
      { kind: 'set-soname', soname: 'libx-1.so' },
      { kind: 'replace-needed', from: 'a.so', to: 'a-1.so' },
      { kind: 'remove-needed', name: 'c.so' },
      { kind: 'set-rpath', value: '$ORIGIN', tag: 'DT_RPATH' },
    ];
    const a = planElfEdit(ops);
    const b = planElfEdit([...ops].reverse());
    expect([b.soname, [...b.replaceNeeded], [...b.removeNeeded], b.rpath]).toEqual([a.soname, [...a.replaceNeeded], [...a.removeNeeded], a.rpath]);
    expect(planElfEdit([{ kind: 'remove-rpath' }]).rpath).toBeNull();
    expect(planElfEdit([{ kind: 'replace-needed', from: 'x', to: 'x' }]).replaceNeeded.size).toBe(0);
  });

  it('knows an empty plan', () => {
    expect(isEmptyPlan(planElfEdit([]))).toBe(true);
    expect(isEmptyPlan(planElfEdit([{ kind: 'remove-rpath' }]))).toBe(false);
  });
});
