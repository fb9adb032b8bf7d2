// The error classes: codes, hints and causes survive; foreign errors become message text
// the house recipe accepts; inContext names the file without changing what the error is.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  AnalyzeError,
  describeError,
  ElfFormatError,
  ElfSelfCheckError,
  inContext,
  InternalError,
  IoError,
  isSystemError,
  isWheelauditError,
  PolicyError,
  RepairError,
  UsageError,
  WheelauditError,
  WheelFormatError,
} from '../src/errors.js';

function systemError(f: () => unknown): unknown {
  try {
    f();
  } catch (e) {
    return e;
  }
  return expect.unreachable('no error') as never;
}

describe('error classes', () => {
  it('each layer class carries its code, name, hint and cause', () => {
    const cause = new Error('inner');
    const made: [WheelauditError, string, string][] = [
      [new ElfFormatError('ELF_TRUNCATED', 'm', { offset: 16, hint: 'h', cause }), 'ElfFormatError', 'ELF_TRUNCATED'],
      [new WheelFormatError('WHEEL_BAD_NAME', 'm', { hint: 'h', cause }), 'WheelFormatError', 'WHEEL_BAD_NAME'],
      [new PolicyError('POLICY_INVALID', 'm', { hint: 'h', cause }), 'PolicyError', 'POLICY_INVALID'],
      [new AnalyzeError('ANALYZE_LIBC', 'm', { hint: 'h', cause }), 'AnalyzeError', 'ANALYZE_LIBC'],
      [new RepairError('REPAIR_REFUSED', 'm', { hint: 'h', cause }), 'RepairError', 'REPAIR_REFUSED'],
      [new UsageError('m', { hint: 'h', cause }), 'UsageError', 'USAGE'],
      [new IoError('m', { hint: 'h', cause }), 'IoError', 'IO'],
    ];
    for (const [e, name, code] of made) {
      expect([e.name, e.code, e.message, e.hint, e.cause], name).toEqual([name, code, 'm', 'h', cause]);
      expect(isWheelauditError(e)).toBe(true);
      expect(e).toBeInstanceOf(Error);
    }
    expect((made[0]?.[0] as ElfFormatError).offset).toBe(16);
    expect(new UsageError('m').cause).toBeUndefined();
    expect(new UsageError('m').hint).toBeUndefined();
  });

  it('internal errors, including a failed self-check, are bugs and not WheelauditErrors', () => {
    const e = new ElfSelfCheckError('the edit did not take');
    expect(e).toBeInstanceOf(InternalError);
    expect([e.name, e.code]).toEqual(['ElfSelfCheckError', 'ELF_SELF_CHECK']);
    expect(isWheelauditError(e)).toBe(false);
    expect(isWheelauditError(new InternalError('x'))).toBe(false);
    expect(isWheelauditError({ code: 'USAGE', message: 'duck' })).toBe(false);
  });
});

describe('describeError', () => {
  it('turns real Node system errors into "description (CODE)"', () => {
    const enoent = systemError(() => readFileSync('/nonexistent/wheelaudit-errors'));
    expect(describeError(enoent)).toBe('no such file or directory (ENOENT)');
    const eisdir = systemError(() => readFileSync('/'));
    expect(describeError(eisdir)).toBe('illegal operation on a directory (EISDIR)');
    expect(isSystemError(enoent)).toBe(true);
    expect(isSystemError(new Error('ENOENT: fake'))).toBe(false);
    expect(isSystemError('ENOENT')).toBe(false);
  });

  it('lower-cases a leading word, keeps codes and acronyms, drops final periods', () => {
    expect(describeError(new Error('Something Broke.'))).toBe('something Broke');
    expect(describeError(new Error('ELF header is short...'))).toBe('ELF header is short');
    expect(describeError('Plain string')).toBe('plain string');
    expect(describeError(42)).toBe('42');
  });
});

describe('inContext', () => {
  it('prefixes the message, keeping class, code, hint, cause and extra fields; the original is untouched', () => {
    const cause = new Error('inner');
    const e = new ElfFormatError('ELF_MALFORMED', 'DT_STRTAB is outside the file', { offset: 64, hint: 'rebuild it', cause });
    const c = inContext(e, 'pkg/_x.so');
    expect(c).toBeInstanceOf(ElfFormatError);
    expect([c.message, c.code, c.hint, c.cause, c.offset, c.name]).toEqual(['pkg/_x.so: DT_STRTAB is outside the file', 'ELF_MALFORMED', 'rebuild it', cause, 64, 'ElfFormatError']);
    expect(e.message).toBe('DT_STRTAB is outside the file');
    expect(c.stack).toBe(e.stack);
  });

  it('returns the error itself when the message names the context already', () => {
    const e = new WheelFormatError('WHEEL_UNSAFE_PATH', 'x.whl: entry a/../b: path escapes the wheel');
    expect(inContext(e, 'x.whl')).toBe(e);
  });
});
