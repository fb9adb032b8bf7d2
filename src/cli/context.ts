// What a command needs from the process, gathered in one place so commands stay testable:
// output streams, colour and progress decisions, verbosity, environment and working directory.
import { Chalk, type ChalkInstance } from 'chalk';
import { statSync, type Stats } from 'node:fs';
import path from 'node:path';
import type { LogRecord } from '../analyze/report.js';
import { describeError, inContext, isSystemError, isWheelauditError, UsageError } from '../errors.js';
import { RefusalError } from '../repair/refusal.js';
import { describeFileKind } from '../util/file-kind.js';
import type { ProgressSink } from '../util/progress.js';
import { ProgressLine } from './progress.js';

export interface CliContext {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
  readonly env: NodeJS.ProcessEnv;
  readonly cwd: string;
  /** Colour for stdout and stderr (see {@link useColor}). */
  readonly cOut: ChalkInstance;
  readonly cErr: ChalkInstance;
  verbose: number;
  /** -q/--quiet: nothing on stderr but errors, no progress, no summary. */
  quiet?: boolean;
  /** The progress line, when stderr is a terminal; undefined means never draw progress. */
  readonly progress?: ProgressLine | undefined;
}

/**
 * Colour for one stream, as the conventions say (no-color.org, force-color.org): NO_COLOR
 * (non-empty) turns it off and wins; FORCE_COLOR turns it on even in a pipe (FORCE_COLOR=0
 * or false turns it off); otherwise only a terminal that is not TERM=dumb gets colour.
 */
export function useColor(stream: { readonly isTTY?: boolean }, env: NodeJS.ProcessEnv): boolean {
  if (env['NO_COLOR'] !== undefined && env['NO_COLOR'] !== '') return false;
  const force = env['FORCE_COLOR'];
  if (force !== undefined) return force !== '0' && force.toLowerCase() !== 'false';
  return stream.isTTY === true && env['TERM'] !== 'dumb';
}

/**
 * A writer to `stream` that drops what comes after the reader of its pipe has gone
 * (`wheelaudit show --json x.whl | head -1`): the reader wanted no more, so that is no error,
 * and the command's own work (a repair being written) still finishes with its exit code.
 * Any other write error is thrown as before.
 */
function dropAfterClosedPipe(stream: NodeJS.WriteStream): (text: string) => void {
  let closed = false;
  stream.on('error', (e: NodeJS.ErrnoException) => {
    if (e.code !== 'EPIPE') throw e;
    closed = true;
  });
  return (text) => {
    if (!closed) stream.write(text);
  };
}

export function processContext(): CliContext {
  // Progress goes to stderr only on a terminal; it is erased before anything else is written.
  const progress = process.stderr.isTTY ? new ProgressLine((t) => process.stderr.write(t)) : undefined;
  const out = dropAfterClosedPipe(process.stdout);
  const err = dropAfterClosedPipe(process.stderr);
  return {
    out: (t) => {
      progress?.clear();
      out(t);
    },
    err: (t) => {
      progress?.clear();
      err(t);
    },
    env: process.env,
    cwd: process.cwd(),
    cOut: new Chalk({ level: useColor(process.stdout, process.env) ? 1 : 0 }),
    cErr: new Chalk({ level: useColor(process.stderr, process.env) ? 1 : 0 }),
    verbose: 0,
    quiet: false,
    progress,
  };
}

/** The progress callback for a piece of work on an input of `size` bytes, or undefined. */
export function progressFor(ctx: CliContext, size: number): ProgressSink | undefined {
  if (ctx.quiet === true || ctx.progress === undefined) return undefined;
  ctx.progress.begin(size);
  return ctx.progress.sink;
}

/**
 * Print analysis log records on stderr: warnings and info by default, debug with -v,
 * nothing under -q (errors are thrown, not logged).
 */
export function printLogs(ctx: CliContext, logs: readonly LogRecord[]): void {
  if (ctx.quiet === true) return;
  for (const r of logs) {
    if (r.level === 'debug' && ctx.verbose < 1) continue;
    const tag = r.level === 'warning' ? ctx.cErr.yellow('warning: ') : r.level === 'debug' ? ctx.cErr.dim('debug: ') : '';
    ctx.err(`wheelaudit: ${tag}${r.message}\n`);
  }
}

/** One error line, as the top-level catch prints it, for failures that are outcomes, not throws. */
export function printError(ctx: CliContext, code: string, message: string, hint?: string, details: readonly string[] = []): void {
  ctx.err(`wheelaudit: ${ctx.cErr.red(`error[${code}]`)}: ${message}\n`);
  for (const d of details) ctx.err(`  - ${d}\n`);
  if (hint !== undefined) ctx.err(`  ${ctx.cErr.bold('hint:')} ${hint}\n`);
}

/**
 * An error raised while working on wheel `file`, with the wheel's name in front of its message
 * (several wheels may be handled in one run). Usage and I/O errors name their own path, and
 * refusals keep the reference's wording (their culprits name the files): those pass as they are.
 */
export function namingWheel(e: unknown, file: string): unknown {
  // A malformed --policy-file names its own file, line and column: the wheel is not at fault.
  if (!isWheelauditError(e) || e.code === 'USAGE' || e.code === 'IO' || e.code === 'POLICY_INVALID' || e instanceof RefusalError) return e;
  return inContext(e, path.basename(file));
}

/** The message of anything thrown, for machine output (JSON error fields). */
export function errorText(e: unknown): string {
  if (isWheelauditError(e)) return e.message;
  if (isSystemError(e)) return `${e.path ?? e.syscall}: ${describeError(e)}`;
  return `internal error (this is a bug): ${e instanceof Error ? e.message : String(e)}`;
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

/**
 * The reference's check before anything else: the argument must be a regular file. A missing
 * path keeps the reference's wording; anything else says what it is (never opened: a FIFO
 * would block).
 */
export function requireFile(ctx: CliContext, file: string, what = 'a wheel file'): string {
  const abs = path.resolve(ctx.cwd, file);
  let st: Stats;
  try {
    st = statSync(abs);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new UsageError(`cannot access ${file}. No such file`);
    throw new UsageError(`cannot access ${file}: ${describeError(e)}`);
  }
  if (!st.isFile()) throw new UsageError(`cannot access ${file}: it is ${describeFileKind(st)}, expected ${what}`);
  return abs;
}
