// Out-of-order results applied in file order: whatever order they arrive in, the applied
// sequence and the error thrown are the same.
import { describe, expect, it } from 'vitest';
import { InternalError } from '../../src/errors.js';
import { fileOrder } from '../../src/analyze/file-order.js';

/** A deterministic shuffle (xorshift), so a failure names the arrival order it saw. */
function shuffled(n: number, seed: number): number[] {
  const a = Array.from({ length: n }, (_, i) => i);
  let x = seed;
  for (let i = n - 1; i > 0; i--) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    const j = (x >>> 0) % (i + 1);
    [a[i], a[j]] = [a[j] as number, a[i] as number];
  }
  return a;
}

describe('fileOrder', () => {
  it('applies every result in index order, whatever the arrival order', () => {
    for (const seed of [1, 7, 99, 12345]) {
      const seen: number[] = [];
      const o = fileOrder<string>(50, (r, i) => {
        expect(r).toBe(`r${i}`);
        seen.push(i);
      });
      for (const i of shuffled(50, seed)) o.put(i, `r${i}`);
      o.finish();
      expect(seen).toEqual(Array.from({ length: 50 }, (_, i) => i));
    }
  });

  it('applies a result as soon as every earlier one is in', () => {
    const seen: number[] = [];
    const o = fileOrder<number>(4, (_r, i) => seen.push(i));
    o.put(1, 1);
    expect(seen).toEqual([]);
    o.put(0, 0);
    expect(seen).toEqual([0, 1]);
    o.put(3, 3);
    expect(seen).toEqual([0, 1]);
  });

  it('throws the earliest failure at finish(), after applying everything before it and nothing after', () => {
    for (const seed of [3, 17, 2024]) {
      const seen: number[] = [];
      const o = fileOrder<number>(20, (_r, i) => seen.push(i));
      for (const i of shuffled(20, seed)) {
        if (i === 12) o.fail(12, new Error('twelve'));
        else if (i === 6) o.fail(6, new Error('six'));
        else o.put(i, i);
      }
      expect(o.firstFailure).toBe(6);
      expect(() => o.finish()).toThrow('six');
      expect(seen).toEqual([0, 1, 2, 3, 4, 5]);
    }
  });

  it('treats an error thrown while applying as that entry\'s failure', () => {
    const seen: number[] = [];
    const o = fileOrder<number>(5, (_r, i) => {
      if (i === 2) throw new Error('bad row 2');
      seen.push(i);
    });
    for (const i of [4, 3, 2, 1, 0]) o.put(i, i);
    expect(o.firstFailure).toBe(2);
    expect(() => o.finish()).toThrow('bad row 2');
    expect(seen).toEqual([0, 1]);
  });

  it('is an internal error to finish before every entry is in', () => {
    const o = fileOrder<number>(3, () => undefined);
    o.put(0, 0);
    o.put(2, 2);
    expect(() => o.finish()).toThrow(InternalError);
  });
});
