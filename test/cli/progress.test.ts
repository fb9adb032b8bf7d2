// The progress line: silent for small, quick work; drawn for a big input at once and for any
// work still running after the delay; redrawn at most every 100 ms (the last report always);
// erased with CR + EL. Time comes from the clock the constructor is given.
import { describe, expect, it } from 'vitest';
import { PROGRESS_DELAY_MS, PROGRESS_MIN_BYTES, ProgressLine } from '../../src/cli/progress.js';

function line(): { p: ProgressLine; out: string[]; at: (ms: number) => void } {
  const out: string[] = [];
  let t = 0;
  const p = new ProgressLine((s) => out.push(s), () => t);
  return { p, out, at: (ms) => (t = ms) };
}

const ERASE = '\r\u001b[K';

describe('ProgressLine', () => {
  it('says nothing about small work that ends before the delay, and clear() then writes nothing', () => {
    const { p, out, at } = line();
    p.begin(1000);
    at(PROGRESS_DELAY_MS - 1);
    p.sink({ phase: 'reading', done: 1, total: 2, bytes: 10 });
    p.sink({ phase: 'reading', done: 2, total: 2, bytes: 20 });
    p.clear();
    expect(out).toEqual([]);
  });

  it('draws small work once it has run past the delay', () => {
    const { p, out, at } = line();
    p.begin(1000);
    at(PROGRESS_DELAY_MS);
    p.sink({ phase: 'patching', done: 1, total: 3, bytes: 2048 });
    expect(out).toEqual([`${ERASE}wheelaudit: patching 1/3 files, 2.0 KiB`]);
  });

  it('draws a big input at once, at most every 100 ms, always the last report, then erases', () => {
    const { p, out, at } = line();
    p.begin(PROGRESS_MIN_BYTES);
    p.sink({ phase: 'reading', done: 1, total: 4, bytes: 1024, totalBytes: 4096 });
    at(50);
    p.sink({ phase: 'reading', done: 2, total: 4, bytes: 2048, totalBytes: 4096 });
    at(99);
    p.sink({ phase: 'reading', done: 4, total: 4, bytes: 4096, totalBytes: 4096 });
    at(199);
    p.sink({ phase: 'writing', done: 1, total: 9, bytes: 5 * 1024 * 1024 });
    p.clear();
    p.clear();
    expect(out).toEqual([
      `${ERASE}wheelaudit: reading 1/4 entries, 1.0 KiB of 4.0 KiB`,
      `${ERASE}wheelaudit: reading 4/4 entries, 4.0 KiB of 4.0 KiB`,
      `${ERASE}wheelaudit: writing 1/9 entries, 5.0 MiB`,
      ERASE,
    ]);
  });
});
