// The repair flow through its exported entry points: --plat read by the tag grammar, the best
// tag chosen (or only the one asked for), a pure or non-platform wheel reported as such, and
// refusals for another architecture or C library, each with nothing written. The library's
// repair() supplies the host defaults, so the test keeps to what a caller passes.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LogRecord } from '../../src/analyze/report.js';
import { repair } from '../../src/index.js';
import { parsePlat } from '../../src/repair/repair.js';
import { wheel } from '../helpers/cli.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-repair-flow-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
const outDir = (): string => path.join(tmp, `out-${n++}`);
const listing = (d: string): string[] => {
  try {
    return readdirSync(d);
  } catch {
    return [];
  }
};
const WHEN = new Date(Date.UTC(2024, 0, 1));

describe('parsePlat', () => {
  it('splits --plat into base, baseline architecture and libc', () => {
    expect(parsePlat('auto')).toEqual({ base: 'auto', arch: undefined, libc: undefined });
    expect(parsePlat('manylinux_2_17_x86_64')).toEqual({ base: 'manylinux_2_17', arch: 'x86_64', libc: 'glibc' });
    expect(parsePlat('manylinux2014_aarch64')).toEqual({ base: 'manylinux2014', arch: 'aarch64', libc: 'glibc' });
    expect(parsePlat('musllinux_1_2_armv7l')).toEqual({ base: 'musllinux_1_2', arch: 'armv7l', libc: 'musl' });
    expect(parsePlat('linux_x86_64_v3')).toMatchObject({ arch: 'x86_64' });
    expect(parsePlat('android_24_arm64_v8a')).toMatchObject({ arch: 'aarch64', libc: 'android' });
  });
});

describe('repair', () => {
  it('auto: the best tag and its alias, logged as it happens; nothing grafted for a self-contained wheel', async () => {
    const d = outDir();
    const seen: LogRecord[] = [];
    const r = await repair(wheel('symverold-0.1.0-cp311-cp311-linux_x86_64.whl'), { wheelDir: d, timestamp: WHEN, onLog: (x) => seen.push(x) });
    expect(r.kind).toBe('written');
    if (r.kind !== 'written') return;
    expect(path.basename(r.outputPath)).toBe('symverold-0.1.0-cp311-cp311-manylinux1_x86_64.manylinux_2_5_x86_64.whl');
    expect(listing(d)).toEqual([path.basename(r.outputPath)]);
    expect(r.summary).toEqual({ grafted: [], leftOut: [] });
    expect(seen.length).toBeGreaterThan(0);
    expect(seen).toEqual(r.logs);
  });

  it('a lower --plat gets the higher tag too, unless --only-plat', async () => {
    const both = await repair(wheel('symverold-0.1.0-cp311-cp311-linux_x86_64.whl'), { plat: 'manylinux_2_17_x86_64', wheelDir: outDir(), timestamp: WHEN });
    expect(both.kind === 'written' ? path.basename(both.outputPath) : both.kind).toBe('symverold-0.1.0-cp311-cp311-manylinux1_x86_64.manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_5_x86_64.whl');
    expect(both.logs.map((l) => l.message)).toContain('Wheel is eligible for a higher priority tag. You requested manylinux_2_17_x86_64 but I have found this wheel is eligible for manylinux_2_5_x86_64.');
    const only = await repair(wheel('symverold-0.1.0-cp311-cp311-linux_x86_64.whl'), { plat: 'manylinux_2_17_x86_64', onlyPlat: true, wheelDir: outDir(), timestamp: WHEN });
    expect(only.kind === 'written' ? path.basename(only.outputPath) : only.kind).toBe('symverold-0.1.0-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.whl');
  });

  it('a pure wheel: a non-platform outcome, or copied as it is when allowed', async () => {
    const d = outDir();
    const r = await repair(wheel('purepkg-0.1.0-py3-none-any.whl'), { wheelDir: d });
    expect(r).toMatchObject({ kind: 'non-platform', code: 'ANALYZE_NON_PLATFORM' });
    expect(listing(d)).toEqual([]);
    const c = await repair(wheel('purepkg-0.1.0-py3-none-any.whl'), { wheelDir: d, allowPurePythonWheel: true });
    expect(c.kind).toBe('pure-copied');
    expect(listing(d)).toEqual(['purepkg-0.1.0-py3-none-any.whl']);
  });

  it('refuses another architecture or C library than the wheel has, writing nothing', async () => {
    const d = outDir();
    await expect(repair(wheel('symverold-0.1.0-cp311-cp311-linux_x86_64.whl'), { plat: 'manylinux_2_17_aarch64', wheelDir: d })).rejects.toMatchObject({
      code: 'REPAIR_REFUSED',
      message: expect.stringMatching(/with x86_64 architecture to a wheel targeting .*aarch64/) as string,
    });
    await expect(repair(wheel('symverold-0.1.0-cp311-cp311-linux_x86_64.whl'), { plat: 'musllinux_1_2_x86_64', wheelDir: d })).rejects.toMatchObject({
      code: 'REPAIR_REFUSED',
      message: expect.stringMatching(/with GLIBC libc to a wheel targeting MUSL/i) as string,
    });
    expect(listing(d)).toEqual([]);
  });
});
