// Typed errors for every layer. Library code throws these (never prints or exits); the CLI
// turns them into one line `wheelaudit: error[CODE]: message` and an exit code.
// Codes are stable: scripts and tests match on them, so add new ones, never rename.

/** The stable code of every error wheelaudit throws on purpose, prefixed by the layer that throws it. */
export type ErrorCode =
  // ELF layer
  | 'ELF_BAD_MAGIC'
  | 'ELF_TRUNCATED'
  | 'ELF_UNSUPPORTED'
  | 'ELF_MALFORMED'
  | 'ELF_EDIT_INVALID'
  | 'ELF_EDIT_NO_ROOM'
  | 'ELF_SELF_CHECK'
  // wheel layer
  | 'WHEEL_NOT_ZIP'
  | 'WHEEL_BAD_NAME'
  | 'WHEEL_UNSAFE_PATH'
  | 'WHEEL_NO_DIST_INFO'
  | 'WHEEL_BAD_RECORD'
  | 'WHEEL_BAD_METADATA'
  | 'WHEEL_RECORD_MISMATCH'
  | 'WHEEL_LIMIT_EXCEEDED'
  | 'WHEEL_MISSING_ENTRY'
  | 'WHEEL_IO'
  | 'WHEEL_ZIP_INCONSISTENT'
  // policy layer
  | 'POLICY_INVALID'
  | 'POLICY_NOT_FOUND'
  // analysis
  | 'ANALYZE_NON_PLATFORM'
  | 'ANALYZE_PURELIB'
  | 'ANALYZE_WRONG_ARCH'
  | 'ANALYZE_MULTI_ARCH'
  | 'ANALYZE_LIBC'
  | 'ANALYZE_BAD_PATH'
  // repair
  | 'REPAIR_LIB_NOT_FOUND'
  | 'REPAIR_REFUSED'
  | 'REPAIR_PATCHER'
  | 'REPAIR_IO'
  // command line
  | 'USAGE'
  | 'IO';

/** Optional parts of a {@link WheelauditError}: the underlying cause and a hint for the user. */
export interface ErrorOptions {
  readonly cause?: unknown;
  /** A next step for the user, printed after the message. */
  readonly hint?: string;
}

/** Base of every error the library throws on purpose. */
export abstract class WheelauditError extends Error {
  readonly code: ErrorCode;
  readonly hint: string | undefined;

  constructor(code: ErrorCode, message: string, options: ErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.code = code;
    this.hint = options.hint;
  }
}

/** A malformed, truncated or unsupported ELF file. `offset` is where the problem was seen. */
export class ElfFormatError extends WheelauditError {
  override readonly name = 'ElfFormatError';
  readonly offset: number | undefined;
  constructor(code: ErrorCode, message: string, options: ErrorOptions & { offset?: number } = {}) {
    super(code, message, options);
    this.offset = options.offset;
  }
}

/** A wheel (zip) that cannot be read, or whose metadata is broken or unsafe. */
export class WheelFormatError extends WheelauditError {
  override readonly name = 'WheelFormatError';
}

/** A policy file that fails validation, or a policy name that does not exist. */
export class PolicyError extends WheelauditError {
  override readonly name = 'PolicyError';
}

/** The analysis cannot proceed (non-platform wheel, purelib ELFs, mixed architectures...). */
export class AnalyzeError extends WheelauditError {
  override readonly name = 'AnalyzeError';
}

/** Repair was refused or could not be completed. Nothing has been written when this is thrown. */
export class RepairError extends WheelauditError {
  override readonly name = 'RepairError';
}

/** Bad flags, arguments or environment values. Exit code 2. */
export class UsageError extends WheelauditError {
  override readonly name = 'UsageError';
  constructor(message: string, options: ErrorOptions = {}) {
    super('USAGE', message, options);
  }
}

/** A file-system problem with a path the user named (missing input, unwritable output). */
export class IoError extends WheelauditError {
  override readonly name = 'IoError';
  constructor(message: string, options: ErrorOptions = {}) {
    super('IO', message, options);
  }
}

/**
 * A foreign error (a Node system error, a library's Error) as text fit for one of our
 * messages: lower-case start, no final period, and errno codes kept in capitals after the
 * description: "no space left on device (ENOSPC)", never "eNOSPC: no space left on device, write".
 */
export function describeError(err: unknown): string {
  if (err instanceof Error) {
    const code = (err as { code?: unknown }).code;
    if (typeof code === 'string' && /^E[A-Z0-9]+$/.test(code)) {
      // Node's text is "CODE: description, syscall 'path'": keep the description only.
      const m = new RegExp(`^${code}: ([^,]*)`).exec(err.message);
      const what = (m?.[1] ?? err.message).trim().replace(/\.+$/, '');
      return `${what} (${code})`;
    }
  }
  const text = (err instanceof Error ? err.message : String(err)).trim().replace(/\.+$/, '');
  // A leading all-capitals word is a code or an acronym: keep it as written.
  if (/^[A-Z][A-Z0-9_]+\b/.test(text)) return text;
  return text.charAt(0).toLowerCase() + text.slice(1);
}

/** A Node system error (errno code and system call), e.g. from fs: an I/O failure, not a bug. */
export function isSystemError(e: unknown): e is Error & { code: string; syscall: string; path?: string } {
  if (!(e instanceof Error)) return false;
  const r = e as { code?: unknown; syscall?: unknown };
  return typeof r.code === 'string' && /^E[A-Z0-9]+$/.test(r.code) && typeof r.syscall === 'string';
}

/** A broken invariant inside wheelaudit: always a bug. */
export class InternalError extends Error {
  override readonly name: string = 'InternalError';
}

/** An ELF file wheelaudit wrote failed its own self-check: a bug, never the input's fault. */
export class ElfSelfCheckError extends InternalError {
  override readonly name = 'ElfSelfCheckError';
  readonly code = 'ELF_SELF_CHECK' as const;
}

/** True for errors wheelaudit throws on purpose (as opposed to bugs). */
export function isWheelauditError(e: unknown): e is WheelauditError {
  return e instanceof WheelauditError;
}

/**
 * The same error (same class, code, hint, cause and extra fields) with `context: ` in front of
 * its message, unless the message names it already: "x.whl: entry a/../b: path escapes the
 * wheel". For errors raised deep inside one file of many, so the line says which file.
 */
export function inContext<E extends WheelauditError>(e: E, context: string): E {
  if (e.message.includes(context)) return e;
  const copy = Object.create(Object.getPrototypeOf(e) as object, Object.getOwnPropertyDescriptors(e)) as E;
  Object.defineProperty(copy, 'message', { value: `${context}: ${e.message}`, writable: true, configurable: true, enumerable: false });
  return copy;
}
