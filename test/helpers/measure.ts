// Run the built CLI (dist/) as a child process and measure it: wall time and peak resident
// memory (the child reports its own getrusage maxRSS as it exits). For hostile-input tests,
// which assert generous bounds ("< 10 s, < 400 MiB") to catch quadratic or exponential
// blowups, never performance targets (those live in `npm run bench`).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO } from './corpus.js';

export interface MeasuredRun {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall-clock milliseconds, process start to exit. */
  readonly ms: number;
  /** CPU milliseconds (user + system, all threads): time bounds are asserted on this, which a loaded machine does not inflate. */
  readonly cpuMs: number;
  /** Peak resident set size of the child, in MiB. */
  readonly maxRssMiB: number;
}

// Record maxRSS on exit, then run the CLI exactly as bin/wheelaudit.js does.
const RUNNER = `
import { writeFileSync } from 'node:fs';
const [report, main, ...argv] = process.argv.slice(1);
const c0 = process.cpuUsage();
process.on('exit', () => {
  const c = process.cpuUsage(c0);
  writeFileSync(report, JSON.stringify({ kib: process.resourceUsage().maxRSS, cpuMs: (c.user + c.system) / 1000 }));
});
const { run } = await import(main);
process.exitCode = await run(argv);
`;

/** `wheelaudit argv...` in a child process with a clean environment plus `env`; killed after `timeoutMs`. */
export function runMeasured(argv: readonly string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; timeoutMs?: number } = {}): MeasuredRun {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-measure-'));
  try {
    const report = path.join(dir, 'maxrss');
    const main = pathToFileURL(path.join(REPO, 'dist', 'cli', 'main.js')).href;
    const started = process.hrtime.bigint();
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', RUNNER, report, main, ...argv], {
      cwd: opts.cwd ?? REPO,
      env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...opts.env },
      encoding: 'utf8',
      timeout: opts.timeoutMs ?? 120_000,
      maxBuffer: 64 * 1024 * 1024,
    });
    const ms = Number(process.hrtime.bigint() - started) / 1e6;
    if (r.error !== undefined) throw new Error(`wheelaudit ${argv.join(' ')}: ${r.error.message} after ${ms.toFixed(0)} ms`);
    let usage = { kib: Number.NaN, cpuMs: Number.NaN };
    try {
      usage = JSON.parse(readFileSync(report, 'utf8')) as typeof usage;
    } catch {
      // killed before it could report
    }
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, ms, cpuMs: usage.cpuMs, maxRssMiB: usage.kib / 1024 };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
