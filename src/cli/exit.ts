// Exit codes and the one place errors become text: a WheelauditError prints one line
// `wheelaudit: error[CODE]: message` (a refusal adds its culprits, one per line) and an
// optional hint; a Node system error that escaped with a path is an I/O failure; anything
// else is a wheelaudit bug, with its stack and versions.
import { describeError, isSystemError, isWheelauditError, type WheelauditError } from '../errors.js';
import { RefusalError } from '../repair/refusal.js';
import { printError, type CliContext } from './context.js';
import { withGraftedSymbols } from './grafted-symbols.js';
import { blockerHint, blockerLines } from './render/blockers-text.js';
import { packageVersion } from './version.js';

export const EXIT_OK = 0;
export const EXIT_FAILURE = 1;
export const EXIT_USAGE = 2;
export const EXIT_BUG = 70;

/** Codes of errors that are the user's input, reported like usage errors (exit 2). */
const USAGE_CODES = new Set(['USAGE', 'WHEEL_BAD_NAME', 'REPAIR_REFUSED']);

export function exitCodeFor(e: WheelauditError): number {
  return USAGE_CODES.has(e.code) ? EXIT_USAGE : EXIT_FAILURE;
}

/** What an error means for the user: its code, its text, and the exit code it gives. */
export interface ErrorReport {
  readonly code: string;
  readonly message: string;
  readonly hint: string | undefined;
  readonly exit: number;
  /** A wheelaudit bug: print the stack and versions. */
  readonly bug: boolean;
}

/**
 * Classify anything thrown. Our own errors keep their code; a Node system error that escaped
 * with a path is an I/O failure (exit 1), not a bug; everything else is a bug (exit 70).
 */
export function classifyError(e: unknown): ErrorReport {
  if (isWheelauditError(e)) return { code: e.code, message: e.message, hint: e.hint, exit: exitCodeFor(e), bug: false };
  if (isSystemError(e) && typeof e.path === 'string') {
    return { code: 'IO', message: `${e.path}: ${describeError(e)}`, hint: undefined, exit: EXIT_FAILURE, bug: false };
  }
  const err = e instanceof Error ? e : new Error(String(e));
  return { code: 'BUG', message: err.message, hint: undefined, exit: EXIT_BUG, bug: true };
}

/** Print the one error line (plus a hint, or the bug report) and return the exit code. */
export function reportError(ctx: CliContext, e: unknown): number {
  const r = classifyError(e);
  if (r.bug) {
    const err = e instanceof Error ? e : new Error(String(e));
    ctx.err(
      `wheelaudit: internal error (this is a bug, please report it): ${r.message}\n${err.stack ?? ''}\n` +
        `wheelaudit ${packageVersion()}, node ${process.version}, ${process.platform}-${process.arch}\n`,
    );
    return r.exit;
  }
  if (e instanceof RefusalError) {
    // The culprits, one per line, then the way out.
    const blockers = withGraftedSymbols(e.blockers);
    printError(ctx, r.code, r.message, r.hint ?? blockerHint(blockers, e.target), blockerLines(blockers, e.target));
    return r.exit;
  }
  printError(ctx, r.code, r.message, r.hint);
  return r.exit;
}
