// Property and fuzz tests of the ELF editor. (1) Random edit sequences applied in series to
// real fixtures keep the file valid (every output passed the editor's self-check and re-parses
// to the expected dynamic entries), keep it bounded in size, and re-applying the last plan is
// a no-op. (2) Thousands of mutated inputs either give a WheelauditError or an output that
// passed the self-check: never another exception or a hang.
//
// WHEELAUDIT_FUZZ_RUNS scales the mutation count (default 1500); the seed is fixed.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ElfEditOp } from '../../src/elf/edit.js';
import { parseElf } from '../../src/elf/index.js';
import { applyElfEdit } from '../../src/elf/write.js';
import { WheelauditError } from '../../src/errors.js';
import { FIXTURES } from '../helpers/corpus.js';

const OUT = path.join(FIXTURES, 'elf', 'out');
const BASES = [
  'x86_64/verdemo/libverdemo.so.1',
  'x86_64/verdemo/verdemo-main',
  'i686/libverdemo.so.1',
  'aarch64/libverdemo.so.1',
  's390x/verdemo-main',
  'ppc64/libverdemo.so.1',
  'armv7l/verdemo-main',
  'riscv64/libverdemo.so.1',
  'x86_64/with-ffi/_withffi.cpython-311-x86_64-linux-gnu.so',
];

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomOps(rand: () => number, needed: readonly string[], step: number): ElfEditOp[] {
  const ops: ElfEditOp[] = [];
  const long = (n: number): string => 'x'.repeat(Math.floor(rand() * n));
  if (rand() < 0.5) ops.push({ kind: 'set-soname', soname: `libstep${step}-${long(60)}.so.1` });
  if (rand() < 0.6) ops.push({ kind: 'set-rpath', value: `$ORIGIN/../lib${step}${long(120)}`, tag: rand() < 0.5 ? 'DT_RPATH' : 'DT_RUNPATH' });
  if (rand() < 0.15) ops.push({ kind: 'remove-rpath' });
  const first = needed[Math.floor(rand() * needed.length)];
  if (first !== undefined && rand() < 0.5) ops.push({ kind: 'replace-needed', from: first, to: `${first.replace(/\.so.*$/, '')}-s${step}${long(30)}${first.slice(first.indexOf('.so'))}` });
  // A plan must not both set and remove the run path.
  if (ops.some((o) => o.kind === 'remove-rpath') && ops.some((o) => o.kind === 'set-rpath')) return ops.filter((o) => o.kind !== 'remove-rpath');
  return ops;
}

describe('editor properties: random edit sequences in series', () => {
  for (const base of BASES) {
    it(base, () => {
      const rand = mulberry32(0xed17 + base.length);
      const original = new Uint8Array(readFileSync(path.join(OUT, base)));
      let bytes: Uint8Array = original;
      for (let step = 0; step < 6; step++) {
        const needed = parseElf(bytes).dynamic?.needed ?? [];
        const ops = randomOps(rand, needed, step);
        const r = applyElfEdit(bytes, ops);
        const d = parseElf(r.bytes).dynamic;
        for (const op of ops) {
          if (op.kind === 'set-soname') expect(d?.soname).toBe(op.soname);
          if (op.kind === 'set-rpath') expect(op.tag === 'DT_RPATH' ? d?.rpath : d?.runpath).toBe(op.value);
          if (op.kind === 'replace-needed') expect(d?.needed).toContain(op.to);
        }
        // Re-applying the same plan changes nothing.
        const again = applyElfEdit(r.bytes, ops);
        expect(again.strategy).toBe('unchanged');
        bytes = r.bytes;
      }
      // Growth stays bounded: one extra segment (rebuilt in place), page padding and strings.
      expect(bytes.length).toBeLessThan(original.length + 0x10000 + 0x20000);
      expect(parseElf(bytes).programHeaders.filter((p) => p.p_type === 1).length).toBeLessThanOrEqual(
        parseElf(original).programHeaders.filter((p) => p.p_type === 1).length + 1,
      );
    });
  }
});

describe('editor fuzz: mutated inputs', () => {
  const runs = Number(process.env['WHEELAUDIT_FUZZ_RUNS'] ?? '1500');
  it(`${runs} mutants give a typed error or a self-checked output`, { timeout: 600_000 }, () => {
    const rand = mulberry32(0xf00d);
    const bases = BASES.map((b) => new Uint8Array(readFileSync(path.join(OUT, b))));
    const ops: ElfEditOp[] = [
      { kind: 'set-soname', soname: 'libfuzzed-0123abcd.so.1' },
      { kind: 'set-rpath', value: '$ORIGIN/../fuzz.libs', tag: 'DT_RPATH' },
    ];
    let typed = 0;
    let written = 0;
    let slowest = 0;
    for (let i = 0; i < runs; i++) {
      const base = bases[i % bases.length] as Uint8Array;
      const m = base.slice();
      // Target the first 4 KiB (headers, program headers, dynamic data in small files) most.
      const flips = 1 + Math.floor(rand() * 4);
      for (let k = 0; k < flips; k++) {
        const at = rand() < 0.7 ? Math.floor(rand() * Math.min(4096, m.length)) : Math.floor(rand() * m.length);
        const choice = rand();
        m[at] = choice < 0.3 ? 0 : choice < 0.5 ? 0xff : choice < 0.6 ? 0x80 : Math.floor(rand() * 256);
      }
      // CPU time of this thread's process, so a loaded machine does not fail the bound.
      const t0 = process.cpuUsage();
      try {
        const r = applyElfEdit(m, ops);
        written++;
        // What came back passed the self-check; it must also re-parse.
        expect(parseElf(r.bytes).dynamic?.soname).toBe('libfuzzed-0123abcd.so.1');
      } catch (e) {
        if (!(e instanceof WheelauditError)) throw new Error(`mutant ${i}: ${String(e)}`, { cause: e });
        expect(e.code).not.toBe('ELF_SELF_CHECK');
        typed++;
      }
      const used = process.cpuUsage(t0);
      slowest = Math.max(slowest, (used.user + used.system) / 1000);
    }
    expect(typed + written).toBe(runs);
    expect(written).toBeGreaterThan(0);
    expect(slowest).toBeLessThan(2000);
  });
});
