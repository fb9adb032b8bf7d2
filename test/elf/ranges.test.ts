// Byte ranges (src/elf/ranges.ts): merging, subtracting and comparing, checked against a plain
// per-byte model on random inputs (seeded) and on the hand cases strip relies on.
import { describe, expect, it } from 'vitest';
import { bridgeGaps, firstEndingAfter, freePieces, mergeRanges, sameBytes, sameBytesIn, sameOutside, type Range } from '../../src/elf/ranges.js';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

const SPAN = 64;
const cover = (rs: readonly Range[]): boolean[] => Array.from({ length: SPAN }, (_, i) => rs.some((r) => i >= r.start && i < r.end));
function randomRanges(rand: () => number, n: number): Range[] {
  return Array.from({ length: n }, () => {
    const start = Math.floor(rand() * SPAN);
    return { start, end: Math.min(SPAN, start + Math.floor(rand() * 12)) };
  });
}

describe('ranges', () => {
  it('mergeRanges gives sorted, disjoint, non-touching ranges covering the same bytes', () => {
    const rand = rng(7);
    for (let k = 0; k < 300; k++) {
      const input = randomRanges(rand, 1 + Math.floor(rand() * 8));
      const merged = mergeRanges(input);
      expect(cover(merged)).toEqual(cover(input));
      merged.forEach((r, i) => {
        expect(r.end).toBeGreaterThan(r.start);
        const next = merged[i + 1];
        if (next !== undefined) expect(next.start).toBeGreaterThan(r.end);
      });
    }
    expect(mergeRanges([{ start: 5, end: 5 }])).toEqual([]);
  });

  it('freePieces is the dead bytes minus the kept ones', () => {
    const rand = rng(11);
    for (let k = 0; k < 300; k++) {
      const dead = mergeRanges(randomRanges(rand, 4));
      const kept = mergeRanges(randomRanges(rand, 4));
      const want = cover(dead).map((d, i) => d && !cover(kept)[i]);
      expect(cover(freePieces(dead, kept))).toEqual(want);
    }
  });

  it('bridgeGaps joins dead ranges with nothing kept between them (alignment padding) only', () => {
    expect(bridgeGaps([{ start: 0, end: 4 }, { start: 8, end: 12 }], [])).toEqual([{ start: 0, end: 12 }]);
    expect(bridgeGaps([{ start: 0, end: 4 }, { start: 8, end: 12 }], [{ start: 5, end: 6 }])).toEqual([{ start: 0, end: 4 }, { start: 8, end: 12 }]);
    expect(bridgeGaps([{ start: 0, end: 4 }, { start: 8, end: 12 }], [{ start: 20, end: 30 }])).toEqual([{ start: 0, end: 12 }]);
  });

  it('firstEndingAfter finds the first merged range ending above a position', () => {
    const rs = [{ start: 0, end: 4 }, { start: 10, end: 20 }, { start: 30, end: 31 }];
    expect([0, 3, 4, 19, 20, 30, 31].map((p) => firstEndingAfter(rs, p))).toEqual([0, 0, 1, 1, 2, 2, 3]);
  });

  it('compares bytes, whole, in a range, and outside excepted ranges', () => {
    const a = Uint8Array.from({ length: 32 }, (_, i) => i);
    const b = a.slice();
    b[10] = 99;
    expect(sameBytes(a, a.slice())).toBe(true);
    expect(sameBytes(a, b)).toBe(false);
    expect(sameBytes(a, a.subarray(1))).toBe(false);
    expect(sameBytes(undefined, a)).toBe(false);
    expect(sameBytesIn(a, b, 0, 10)).toBe(true);
    expect(sameBytesIn(a, b, 0, 11)).toBe(false);
    expect(sameOutside(a, b, { start: 0, end: 32 }, [{ start: 8, end: 12 }])).toBe(true);
    expect(sameOutside(a, b, { start: 0, end: 32 }, [{ start: 11, end: 12 }])).toBe(false);
  });
});
