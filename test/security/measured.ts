// Helpers of the hostile-input tests: run one CLI command in a child process with a bounded
// heap and report its exit code, output, wall time and peak RSS; snapshot directories.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { REPO } from '../helpers/corpus.js';

export interface Measured {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** Wall time, for reports. */
  readonly ms: number;
  /** CPU time (user + system, all threads): what time bounds are asserted on. */
  readonly cpuMs: number;
  readonly maxRssKiB: number;
}

/** Generous bounds: they catch a quadratic blow-up or a whole-bomb allocation, not slowness. */
export const TIME_LIMIT_MS = 20_000;
export const RSS_LIMIT_KIB = 320 * 1024;
/** The child's V8 heap: far below what a bomb inflated into strings or arrays would need. */
const HEAP_MB = 256;

export function runMeasured(argv: readonly string[], opts: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Measured {
  const report = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-measure-')), 'm.json');
  const r = spawnSync(process.execPath, [`--max-old-space-size=${HEAP_MB}`, path.join(REPO, 'test/security/measure-cli.mjs'), ...argv], {
    cwd: opts.cwd ?? REPO,
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...opts.env, WHEELAUDIT_MEASURE: report },
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
    // A hang (a FIFO opened, /dev/zero read) must fail the test, not block the worker: the
    // child is killed after five minutes of wall time (far past any CPU bound asserted, even on
    // a loaded machine) and reported as not finished below.
    timeout: 300_000,
    killSignal: 'SIGKILL',
  });
  let m: { code: number; ms: number; cpuMs: number; maxRssKiB: number };
  try {
    m = JSON.parse(fs.readFileSync(report, 'utf8')) as typeof m;
  } catch {
    throw new Error(`the CLI did not finish (status ${String(r.status)}, signal ${String(r.signal)}):\n${r.stderr.slice(-4000)}`);
  } finally {
    fs.rmSync(path.dirname(report), { recursive: true, force: true });
  }
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, ms: m.ms, cpuMs: m.cpuMs, maxRssKiB: m.maxRssKiB };
}

export function sha256File(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Names and contents (hashed) of everything under `dir`, hidden files included. */
export function snapshot(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .map((d) => {
      const p = path.join(d.parentPath, d.name);
      return d.isFile() ? `${path.relative(dir, p)} ${sha256File(p)}` : `${path.relative(dir, p)}/`;
    })
    .sort();
}

/** The stderr lines that report an error (`wheelaudit: error[...]`). */
export function errorLines(stderr: string): string[] {
  return stderr.split('\n').filter((l) => l.includes('error['));
}
