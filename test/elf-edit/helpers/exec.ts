// Subprocesses for the ELF rewrite matrix: never throw on a non-zero exit, always capture both
// streams, bound the run time, and limit how many run at once (the matrix runs its tests
// concurrently and every oracle is a process).
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';

export interface ExecResult {
  readonly cmd: string;
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly timedOut: boolean;
}

export interface ExecOptions {
  readonly cwd?: string;
  /** Replaces the environment entirely when given (plus PATH, which is always kept). */
  readonly env?: Record<string, string>;
  readonly timeoutMs?: number;
}

const LIMIT = Math.max(2, Math.min(8, os.availableParallelism() * 2));
let running = 0;
const queue: (() => void)[] = [];

async function slot<T>(fn: () => Promise<T>): Promise<T> {
  if (running >= LIMIT) await new Promise<void>((resolve) => queue.push(resolve));
  running++;
  try {
    return await fn();
  } finally {
    running--;
    queue.shift()?.();
  }
}

// WHEELAUDIT_ELF_EDIT_PROFILE=1: at exit, print how many processes of each kind ran and their
// summed wall time (to see where the matrix spends its budget).
const profile = new Map<string, { n: number; ms: number }>();
export function profileSummary(): string {
  const rows = [...profile].sort((a, b) => b[1].ms - a[1].ms).map(([k, v]) => `${k}: ${v.n} runs, ${(v.ms / 1000).toFixed(1)} s`);
  const total = [...profile.values()].reduce((a, v) => a + v.n, 0);
  return `elf-edit processes (${total}):\n  ${rows.join('\n  ')}\n`;
}

export function exec(file: string, args: readonly string[], opts: ExecOptions = {}): Promise<ExecResult> {
  const cmd = [file, ...args].map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replaceAll("'", "'\\''")}'`)).join(' ');
  const env = opts.env === undefined ? process.env : { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...opts.env };
  return slot(
    () =>
      new Promise<ExecResult>((resolve) => {
        const started = performance.now();
        const kind = path.basename(file).startsWith('qemu') || !file.includes('/') ? path.basename(file) : 'native program';
        const child = spawn(file, args, { cwd: opts.cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
        const out: Buffer[] = [];
        const err: Buffer[] = [];
        let timedOut = false;
        const timer = setTimeout(() => {
          timedOut = true;
          child.kill('SIGKILL');
        }, opts.timeoutMs ?? 60_000);
        child.stdout.on('data', (b: Buffer) => out.push(b));
        child.stderr.on('data', (b: Buffer) => err.push(b));
        child.on('error', (e) => {
          clearTimeout(timer);
          resolve({ cmd, code: null, signal: null, stdout: '', stderr: String(e), timedOut });
        });
        child.on('close', (code, signal) => {
          clearTimeout(timer);
          const row = profile.get(kind) ?? { n: 0, ms: 0 };
          row.n++;
          row.ms += performance.now() - started;
          profile.set(kind, row);
          resolve({ cmd, code, signal, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8'), timedOut });
        });
      }),
  );
}

export interface BatchCommand {
  readonly file: string;
  readonly args: readonly string[];
  /** The whole environment of the command (PATH is added). */
  readonly env?: Record<string, string>;
  readonly cwd?: string;
}

const q = (s: string): string => `'${s.replaceAll("'", "'\\''")}'`;
const SIGNALS = Object.fromEntries(Object.entries(os.constants.signals).map(([k, v]) => [v, k])) as Record<number, NodeJS.Signals>;

/**
 * Run commands one after another from a single `sh` (process creation from the large test
 * worker is what costs most on small CI machines), each with its own environment, directory and
 * captured streams. A command killed by a signal is reported with that signal (sh's 128+n).
 */
export async function execBatch(cmds: readonly BatchCommand[], timeoutMs = 60_000): Promise<ExecResult[]> {
  if (cmds.length === 0) return [];
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-batch-'));
  try {
    const PATH = process.env['PATH'] ?? '/usr/bin:/bin';
    const script = cmds
      .map((c, i) => {
        const env = Object.entries({ PATH, ...c.env }).map(([k, v]) => q(`${k}=${v}`)).join(' ');
        const cd = c.cwd ? `cd ${q(c.cwd)} && ` : '';
        return `( ${cd}exec env -i ${env} ${[c.file, ...c.args].map(q).join(' ')} ) >${dir}/o${i} 2>${dir}/e${i} </dev/null; echo $? >${dir}/c${i}`;
      })
      .join('\n');
    const r = await exec('sh', ['-c', script], { timeoutMs: timeoutMs * cmds.length });
    return cmds.map((c, i) => {
      const cmd = [c.file, ...c.args].join(' ');
      const read = (f: string): string | undefined => (existsSync(`${dir}/${f}${i}`) ? readFileSync(`${dir}/${f}${i}`, 'utf8') : undefined);
      const rc = read('c');
      if (rc === undefined) return { cmd, code: null, signal: null, stdout: read('o') ?? '', stderr: read('e') ?? r.stderr, timedOut: r.timedOut };
      const n = Number(rc.trim());
      const signal = n > 128 ? (SIGNALS[n - 128] ?? null) : null;
      return { cmd, code: signal ? null : n, signal, stdout: read('o') ?? '', stderr: read('e') ?? '', timedOut: false };
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const toolCache = new Map<string, boolean>();
export function haveTool(tool: string): boolean {
  let v = toolCache.get(tool);
  if (v === undefined) {
    v = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', tool]).status === 0;
    toolCache.set(tool, v);
  }
  return v;
}

/** A one-line description of a failed run, for failure lists. */
export function describeRun(r: ExecResult): string {
  const status = r.timedOut ? 'timed out' : r.signal ? `signal ${r.signal}` : `exit ${r.code}`;
  const clip = (s: string): string => (s.length > 600 ? `${s.slice(0, 600)}…` : s).trim();
  return `${r.cmd}: ${status}; stdout=${JSON.stringify(clip(r.stdout))} stderr=${JSON.stringify(clip(r.stderr))}`;
}
