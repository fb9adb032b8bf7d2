// Issue 7 time bombs and issue 12 scale: a wheel of 150,000 entries is listed from one read of
// its central directory and verified in one pass (`show` within a generous bound, printed);
// a RECORD that also lists 150,000 files the wheel lacks gives 150,000 warnings instead of a
// stack overflow, through show and repair; a WHEEL with 80,000 Tag lines is retagged in linear
// time. Inputs are generated in the test.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../helpers/corpus.js';
import { buildZip, extensionBytes, recordHash, text, WHEEL_NAME, WHEEL_TEXT, wheelEntries, type BuildEntry } from '../wheel/zip-builder.js';
import { errorLines, RSS_LIMIT_KIB, runMeasured, snapshot, TIME_LIMIT_MS } from './measured.js';

const SO = 'hostile/_ext.cpython-311-x86_64-linux-gnu.so';
const ENTRIES = 150_000;

let tmp = '';
let so: Uint8Array = new Uint8Array(0);
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-scale-'));
  so = extensionBytes(REPO);
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** 150,000 small Python modules (eight distinct contents, so building stays cheap) and the extension. */
function manyFiles(): BuildEntry[] {
  const contents = Array.from({ length: 8 }, (_, k) => text(`# module ${k}\nVALUE = ${k}\n${'pass\n'.repeat(k * 3)}`));
  const files: BuildEntry[] = [{ name: SO, data: so }];
  for (let i = 0; i < ENTRIES; i++) files.push({ name: `hostile/pkg${i % 300}/mod${i}.py`, data: contents[i % 8] as Uint8Array });
  return files;
}

describe('scale', () => {
  it(`show on a wheel of ${ENTRIES} entries: one pass, well within the bound`, () => {
    const file = path.join(fs.mkdtempSync(path.join(tmp, 'many-')), WHEEL_NAME);
    fs.writeFileSync(file, buildZip(wheelEntries({ files: manyFiles() }), { zip64: true }));
    const r = runMeasured(['show', file]);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    expect(r.stderr).not.toContain('warning');
    process.stdout.write(`show, ${ENTRIES} entries: ${Math.round(r.ms)} ms, peak RSS ${Math.round(r.maxRssKiB / 1024)} MiB\n`);
    // The goal (issue 12) is under 3 s on the lead's machine; this bound only catches a
    // quadratic or per-record-read regression on a loaded CI machine (it was 20 s before).
    expect(r.cpuMs).toBeLessThan(12_000);
    expect(r.maxRssKiB).toBeLessThan(RSS_LIMIT_KIB);
  }, 120_000);

  it(`a RECORD listing ${ENTRIES} missing files: ${ENTRIES} warnings, not a stack overflow (show, check and repair)`, () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'missing-'));
    const file = path.join(dir, WHEEL_NAME);
    // Directory entries make the archive large enough for a RECORD of 300,000 rows (its limit
    // grows with the entry count) while costing nothing to inflate or copy.
    const files: BuildEntry[] = [{ name: SO, data: so }, ...Array.from({ length: ENTRIES }, (_, i) => ({ name: `hostile/d${i}/` }))];
    const missing = Array.from({ length: ENTRIES }, (_, i) => `hostile/gone/m${i}.dat,${recordHash(text(String(i)))},${String(i).length}\r\n`);
    fs.writeFileSync(file, buildZip(wheelEntries({ files, extraRows: missing }), { zip64: true }));
    const show = runMeasured(['show', file]);
    expect(show.code, show.stderr.slice(-2000)).toBe(0);
    const warned = show.stderr.split('\n').filter((l) => /^wheelaudit: warning: hostile\/gone\/m\d+\.dat is listed in RECORD but missing from the wheel$/.test(l));
    expect(warned).toHaveLength(ENTRIES);
    const check = runMeasured(['check', file]);
    expect(errorLines(check.stderr), check.stderr.slice(-2000)).toEqual([]);
    expect([0, 1]).toContain(check.code);
    const out = path.join(dir, 'out');
    const repair = runMeasured(['repair', file, '-w', out]);
    expect(errorLines(repair.stderr), repair.stderr.slice(-2000)).toEqual([]);
    expect(repair.code).toBe(0);
    expect(snapshot(out).map((l) => l.split(' ')[0])).toEqual(['hostile-1.0-cp311-cp311-manylinux1_x86_64.manylinux_2_5_x86_64.whl']);
    process.stdout.write(`repair, ${ENTRIES} entries and ${ENTRIES} missing RECORD rows: ${Math.round(repair.ms)} ms, peak RSS ${Math.round(repair.maxRssKiB / 1024)} MiB\n`);
  }, 300_000);

  /** A wheel whose WHEEL has `n` Tag lines, each with its own python tag (so each gains new tags). */
  function manyTags(n: number, tag = (i: number): string => `cp3${i}-cp3${i}-linux_x86_64`): string {
    const file = path.join(fs.mkdtempSync(path.join(tmp, 'tags-')), WHEEL_NAME);
    const tags = Array.from({ length: n }, (_, i) => `Tag: ${tag(i)}\n`).join('');
    fs.writeFileSync(file, buildZip(wheelEntries({ files: [{ name: SO, data: so }], wheel: WHEEL_TEXT.replace('Tag: cp311-cp311-linux_x86_64\n', tags) })));
    return file;
  }

  it('a WHEEL with 25,000 Tag lines is retagged in bounded time, and the result reads back', () => {
    const file = manyTags(25_000);
    const out = path.join(path.dirname(file), 'out');
    const r = runMeasured(['repair', file, '-w', out]);
    expect(r.code, r.stderr.slice(-2000)).toBe(0);
    expect(r.cpuMs).toBeLessThan(20_000);
    const [written] = fs.readdirSync(out);
    const check = runMeasured(['show', path.join(out, written as string)]);
    expect(check.code, check.stderr.slice(-2000)).toBe(0);
    process.stdout.write(`repair, 25,000 Tag lines: ${Math.round(r.ms)} ms\n`);
  }, 120_000);

  it('a WHEEL with 80,000 Tag lines whose retagged form would pass the WHEEL limit is refused, nothing written', () => {
    const file = manyTags(80_000);
    const out = path.join(path.dirname(file), 'out');
    const r = runMeasured(['repair', file, '-w', out]);
    expect(errorLines(r.stderr)).toEqual([
      expect.stringMatching(/^wheelaudit: error\[WHEEL_LIMIT_EXCEEDED\]: hostile-1\.0-cp311-cp311-linux_x86_64\.whl: the retagged hostile-1\.0\.dist-info\/WHEEL would be \d+ bytes, more than the 4194304 allowed for a WHEEL file$/),
    ]);
    expect(r.code).toBe(1);
    expect(r.cpuMs).toBeLessThan(20_000);
    expect(snapshot(out)).toEqual([]);
  }, 120_000);

  // The case: 250,000 Tag lines (96 s when the update was quadratic). Short tags keep
  // the WHEEL under its 4 MiB limit, so show and check read it whole, and repair must refuse
  // the retagged form (a million tags) by its size, without building it.
  it('a WHEEL with 250,000 short Tag lines: show and check in bounded time and memory; repair refuses by size, nothing written', () => {
    const file = manyTags(250_000, (i) => `${i.toString(36)}-a-b`);
    expect(fs.statSync(file).size).toBeLessThan(4 * 1024 * 1024);
    for (const command of ['show', 'check']) {
      const r = runMeasured([command, file]);
      expect(errorLines(r.stderr), `${command}: ${r.stderr.slice(-2000)}`).toEqual([]);
      expect(r.cpuMs, `${command} CPU time`).toBeLessThan(TIME_LIMIT_MS);
      expect(r.maxRssKiB, `${command} peak RSS`).toBeLessThan(RSS_LIMIT_KIB);
    }
    const out = path.join(path.dirname(file), 'out');
    const r = runMeasured(['repair', file, '-w', out]);
    expect(errorLines(r.stderr)).toEqual([
      expect.stringMatching(/^wheelaudit: error\[WHEEL_LIMIT_EXCEEDED\]: hostile-1\.0-cp311-cp311-linux_x86_64\.whl: the retagged hostile-1\.0\.dist-info\/WHEEL would be \d+ bytes, more than the 4194304 allowed for a WHEEL file$/),
    ]);
    expect(r.code).toBe(1);
    expect(r.cpuMs).toBeLessThan(TIME_LIMIT_MS);
    expect(r.maxRssKiB).toBeLessThan(RSS_LIMIT_KIB);
    expect(snapshot(out)).toEqual([]);
    process.stdout.write(`repair, 250,000 Tag lines: refused in ${Math.round(r.ms)} ms, peak RSS ${Math.round(r.maxRssKiB / 1024)} MiB\n`);
  }, 180_000);
});
