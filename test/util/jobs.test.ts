// The process-wide thread limit: every core by default (as nproc counts them for this process),
// a positive integer when set, refused otherwise, and lifted again with undefined.
import { execFileSync } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { jobLimit, setJobLimit } from '../../src/util/jobs.js';
import { needs, requireTool } from '../helpers/requires.js';

afterEach(() => setJobLimit(undefined));

describe('jobLimit', () => {
  it('is the number of cores this process may use by default, as nproc says', needs(requireTool('nproc', 'coreutils')), () => {
    // OMP_NUM_THREADS and OMP_THREAD_LIMIT would change what nproc prints: left out.
    expect(jobLimit()).toBe(Number(execFileSync('nproc', { encoding: 'utf8', env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin' } }).trim()));
  });

  it('follows setJobLimit, and undefined lifts the cap', () => {
    const all = jobLimit();
    setJobLimit(1);
    expect(jobLimit()).toBe(1);
    setJobLimit(7);
    expect(jobLimit()).toBe(7);
    setJobLimit(undefined);
    expect(jobLimit()).toBe(all);
  });

  it('refuses zero, negative and fractional limits, keeping the previous one', () => {
    setJobLimit(3);
    for (const bad of [0, -1, 1.5, Number.NaN]) expect(() => setJobLimit(bad), String(bad)).toThrow(`jobs must be a positive integer, got ${String(bad)}`);
    expect(jobLimit()).toBe(3);
  });
});
