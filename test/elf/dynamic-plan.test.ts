// Planning an edit's dynamic array (src/elf/dynamic-plan.ts) on a real program
// (verdemo-main: NEEDED libverdemo.so.1 and libc.so.6, RUNPATH $ORIGIN, Verneed for both):
// entry order, where SONAME and the run path go, which strings are reused or appended, and
// what the self-check is told to expect.
import { describe, expect, it } from 'vitest';
import { DT_NEEDED, DT_RPATH, DT_RUNPATH, DT_SONAME } from '../../src/elf/constants.js';
import { expectation, findString, placeStrings, planEntries, sameEntries, verneedRenames } from '../../src/elf/dynamic-plan.js';
import { planElfEdit, type ElfEditOp } from '../../src/elf/edit.js';
import { parseElf } from '../../src/elf/read.js';
import { isWheelauditError } from '../../src/errors.js';
import { load } from './fixture.js';

const main = parseElf(load('x86_64/verdemo/verdemo-main'));
const table = (): Uint8Array => main.bytes.subarray(main.dynamic?.strtabOffset ?? 0, (main.dynamic?.strtabOffset ?? 0) + (main.dynamic?.strtabSize ?? 0));
const plan = (...ops: ElfEditOp[]): ReturnType<typeof planEntries> => planEntries(main, planElfEdit(ops));
const tags = (es: ReturnType<typeof planEntries>): bigint[] => es.map((e) => e.tag);

describe('planEntries', () => {
  it('leaves the live entries as they are for an empty plan', () => {
    const es = plan();
    expect(sameEntries(main, es)).toBe(true);
    expect(es.filter((e) => e.tag === DT_NEEDED).map((e) => e.str)).toEqual(['libverdemo.so.1', 'libc.so.6']);
  });

  it('renames DT_NEEDED in place, keeping the order', () => {
    const es = plan({ kind: 'replace-needed', from: 'libverdemo.so.1', to: 'libverdemo-1a2b3c4d.so.1' });
    expect(es.filter((e) => e.tag === DT_NEEDED).map((e) => [e.str, e.changed])).toEqual([['libverdemo-1a2b3c4d.so.1', true], ['libc.so.6', false]]);
    expect(tags(es)).toEqual(tags(plan()));
    expect(sameEntries(main, es)).toBe(false);
  });

  it('replaces the run path where it was, of the requested kind, and removes it on request', () => {
    const at = tags(plan()).indexOf(DT_RUNPATH);
    const es = plan({ kind: 'set-rpath', value: '$ORIGIN/../lib', tag: 'DT_RPATH' });
    expect(es[at]).toMatchObject({ tag: DT_RPATH, str: '$ORIGIN/../lib', changed: true });
    expect(es.filter((e) => e.tag === DT_RUNPATH)).toEqual([]);
    expect(plan({ kind: 'remove-rpath' }).some((e) => e.tag === DT_RPATH || e.tag === DT_RUNPATH)).toBe(false);
    // The same value and kind is no change at all.
    expect(sameEntries(main, plan({ kind: 'set-rpath', value: '$ORIGIN', tag: 'DT_RUNPATH' }))).toBe(true);
  });

  it('appends a DT_SONAME when the file has none', () => {
    const es = plan({ kind: 'set-soname', soname: 'libmain.so' });
    expect(es[es.length - 1]).toMatchObject({ tag: DT_SONAME, str: 'libmain.so', changed: true });
  });

  it('refuses to remove a dependency symbol versions come from, and removes one they do not', () => {
    try {
      plan({ kind: 'remove-needed', name: 'libverdemo.so.1' });
      expect.unreachable();
    } catch (e) {
      expect(isWheelauditError(e) && e.message).toBe("can't remove DT_NEEDED 'libverdemo.so.1': symbol versions (VERDEMO_1.0, VERDEMO_2.0) are still required from it");
    }
    const ext = parseElf(load('x86_64/with-libpython/_withpython.cpython-311-x86_64-linux-gnu.so'));
    const es = planEntries(ext, planElfEdit([{ kind: 'remove-needed', name: 'libpython3.11.so.1.0' }]));
    expect(es.filter((e) => e.tag === DT_NEEDED).map((e) => e.str)).not.toContain('libpython3.11.so.1.0');
  });
});

describe('placing strings', () => {
  it('finds a string, or the tail of a longer one, only where it ends with a NUL', () => {
    const t = new TextEncoder().encode('\0libfoo.so.1\0bar\0');
    expect(findString(t, 'libfoo.so.1')).toBe(1);
    expect(findString(t, 'foo.so.1')).toBe(4);
    expect(findString(t, 'bar')).toBe(13);
    expect(findString(t, 'libfoo')).toBeUndefined();
    expect(findString(t, '')).toBe(0);
  });

  it('reuses strings .dynstr has, appends each new one once, and gives renamed Verneeds their string', () => {
    const p = planElfEdit([
      { kind: 'replace-needed', from: 'libverdemo.so.1', to: 'libverdemo-1a2b3c4d.so.1' },
      { kind: 'set-soname', soname: 'libverdemo-1a2b3c4d.so.1' },
      { kind: 'set-rpath', value: 'libc.so.6', tag: 'DT_RPATH' },
    ]);
    const es = planEntries(main, p);
    const renames = verneedRenames(main, p);
    expect(renames.map((r) => [r.need.file, r.to])).toEqual([['libverdemo.so.1', 'libverdemo-1a2b3c4d.so.1']]);
    const placed = placeStrings(table(), es, renames);
    const old = table().length;
    expect(new TextDecoder().decode(placed.appended)).toBe('libverdemo-1a2b3c4d.so.1\0');
    expect(es.find((e) => e.tag === DT_SONAME)?.val).toBe(BigInt(old));
    expect(es.find((e) => e.tag === DT_NEEDED)?.val).toBe(BigInt(old));
    expect(es.find((e) => e.tag === DT_RPATH)?.val).toBe(BigInt(findString(table(), 'libc.so.6') ?? -1));
    expect([...placed.verneedFiles]).toEqual([[renames[0]?.need.offset, BigInt(old)]]);
  });

  it('tells the self-check what the output must hold', () => {
    const p = planElfEdit([{ kind: 'replace-needed', from: 'libverdemo.so.1', to: 'libv-2.so.1' }, { kind: 'set-rpath', value: '$ORIGIN/x', tag: 'DT_RPATH' }]);
    expect(expectation(main, planEntries(main, p), p)).toEqual({ needed: ['libv-2.so.1', 'libc.so.6'], soname: undefined, rpath: '$ORIGIN/x', runpath: undefined, verneedFiles: ['libv-2.so.1', 'libc.so.6'] });
  });
});
