// What a command needs from the process, gathered in one place so commands stay testable:
// output streams, colour decisions, environment and working directory.
import { Chalk, type ChalkInstance } from 'chalk';
import { statSync } from 'node:fs';
import path from 'node:path';
import type { LogRecord } from '../analyze/report.js';
import { UsageError } from '../errors.js';

export interface CliContext {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Colour for stdout and stderr: only on a TTY, never with NO_COLOR set. */
  readonly cOut: ChalkInstance;
  readonly cErr: ChalkInstance;
  verbose: number;
}

export function useColor(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv): boolean {
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  return stream.isTTY === true;
}

export function processContext(): CliContext {
  return {
    out: (t) => process.stdout.write(t),
    err: (t) => process.stderr.write(t),
    env: process.env,
    cwd: process.cwd(),
    cOut: new Chalk({ level: useColor(process.stdout, process.env) ? 1 : 0 }),
    cErr: new Chalk({ level: useColor(process.stderr, process.env) ? 1 : 0 }),
    verbose: 0,
  };
}

/** Print analysis log records on stderr: warnings always, info by default, debug with -v. */
export function printLogs(ctx: CliContext, logs: readonly LogRecord[]): void {
  for (const r of logs) {
    if (r.level === 'debug' && ctx.verbose < 1) continue;
    const tag = r.level === 'warning' ? ctx.cErr.yellow('warning: ') : r.level === 'debug' ? ctx.cErr.dim('debug: ') : '';
    ctx.err(`wheelaudit: ${tag}${r.message}\n`);
  }
}

/** The environment variables library lookup reads. */
export function ldEnvironment(env: NodeJS.ProcessEnv): { AUDITWHEEL_LD_LIBRARY_PATH: string | undefined; LD_LIBRARY_PATH: string | undefined } {
  return { AUDITWHEEL_LD_LIBRARY_PATH: env['AUDITWHEEL_LD_LIBRARY_PATH'], LD_LIBRARY_PATH: env['LD_LIBRARY_PATH'] };
}

/** --sysroot DIR as the '' / '/abs/dir' root the analysis expects. */
export function sysrootOption(ctx: CliContext, value: string | undefined): string {
  if (value === undefined || value === '') return '';
  const abs = path.resolve(ctx.cwd, value).replace(/\/+$/, '');
  let isDir = false;
  try {
    isDir = statSync(abs).isDirectory();
  } catch {
    isDir = false;
  }
  if (!isDir) throw new UsageError(`--sysroot ${value}: not a directory`);
  return abs;
}

/** The reference's check before anything else: the wheel argument must be a regular file. */
export function requireFile(ctx: CliContext, file: string): string {
  const abs = path.resolve(ctx.cwd, file);
  let ok = false;
  try {
    ok = statSync(abs).isFile();
  } catch {
    ok = false;
  }
  if (!ok) throw new UsageError(`cannot access ${file}. No such file`);
  return abs;
}
