// Every stable error code is one something can raise: the union in src/errors.ts lists no code
// that no source file throws (a code nothing uses would be documented but unreachable), and
// the CLI's exit codes follow the documented table for each class of error.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { classifyError, exitCodeFor } from '../../src/cli/exit.js';
import { InternalError, IoError, RepairError, UsageError, WheelFormatError } from '../../src/errors.js';
import { REPO } from '../helpers/corpus.js';

const SRC = path.join(REPO, 'src');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? sources(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

function declaredCodes(): string[] {
  const text = readFileSync(path.join(SRC, 'errors.ts'), 'utf8');
  const union = /export type ErrorCode =([\s\S]*?);/.exec(text)?.[1] ?? '';
  return [...union.matchAll(/'([A-Z_]+)'/g)].map((m) => m[1] as string);
}

describe('error codes', () => {
  it('the union is parsed (sanity)', () => {
    expect(declaredCodes()).toContain('USAGE');
    expect(declaredCodes().length).toBeGreaterThan(20);
  });

  it('every code in ErrorCode is raised by some source file', () => {
    const others = sources(SRC)
      .filter((f) => !f.endsWith(`${path.sep}errors.ts`))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    // Some codes are raised through their classes (UsageError, IoError, ElfSelfCheckError).
    const byClass: Record<string, string> = { USAGE: 'new UsageError(', IO: 'new IoError(', ELF_SELF_CHECK: 'new ElfSelfCheckError(' };
    const unused = declaredCodes().filter((c) => !others.includes(byClass[c] ?? `'${c}'`));
    expect(unused).toEqual([]);
  });

  it('exit codes: usage and refusals 2, failures 1, bugs 70, escaped system errors 1', () => {
    expect(exitCodeFor(new UsageError('x'))).toBe(2);
    expect(exitCodeFor(new RepairError('REPAIR_REFUSED', 'x'))).toBe(2);
    expect(exitCodeFor(new WheelFormatError('WHEEL_BAD_NAME', 'x'))).toBe(2);
    expect(exitCodeFor(new WheelFormatError('WHEEL_NOT_ZIP', 'x'))).toBe(1);
    expect(exitCodeFor(new IoError('x'))).toBe(1);
    expect(classifyError(new InternalError('x'))).toMatchObject({ exit: 70, bug: true });
  });
});
