// The one place errors become text and exit codes: our errors keep their code (usage-like
// ones exit 2), an escaped system error with a path is an I/O failure (1), anything else a
// bug (70) with its stack and versions; a refusal lists its culprits and a hint.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { classifyError, EXIT_BUG, EXIT_FAILURE, EXIT_OK, EXIT_USAGE, exitCodeFor, reportError } from '../../src/cli/exit.js';
import { AnalyzeError, RepairError, UsageError, WheelFormatError } from '../../src/errors.js';
import { RefusalError } from '../../src/repair/refusal.js';
import { captureContext } from '../helpers/cli-context.js';

describe('exit codes', () => {
  it('are the reference ones: 0, 1, 2, and 70 for a bug', () => {
    expect([EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_BUG]).toEqual([0, 1, 2, 70]);
  });

  it('usage, a bad wheel name and a refusal exit 2; other failures 1', () => {
    expect(exitCodeFor(new UsageError('x'))).toBe(2);
    expect(exitCodeFor(new WheelFormatError('WHEEL_BAD_NAME', 'x'))).toBe(2);
    expect(exitCodeFor(new RepairError('REPAIR_REFUSED', 'x'))).toBe(2);
    expect(exitCodeFor(new RepairError('REPAIR_LIB_NOT_FOUND', 'x'))).toBe(1);
    expect(exitCodeFor(new WheelFormatError('WHEEL_NOT_ZIP', 'x'))).toBe(1);
    expect(exitCodeFor(new AnalyzeError('ANALYZE_NON_PLATFORM', 'x'))).toBe(1);
  });
});

describe('classifyError', () => {
  it('a real ENOENT that escaped with its path is an I/O failure naming the path', () => {
    let err: unknown;
    try {
      readFileSync('/nonexistent/wheelaudit-exit');
    } catch (e) {
      err = e;
    }
    expect(classifyError(err)).toEqual({ code: 'IO', message: '/nonexistent/wheelaudit-exit: no such file or directory (ENOENT)', hint: undefined, exit: 1, bug: false });
  });

  it('anything else is a bug, thrown strings included', () => {
    expect(classifyError(new TypeError('x is undefined'))).toEqual({ code: 'BUG', message: 'x is undefined', hint: undefined, exit: 70, bug: true });
    expect(classifyError('a string')).toMatchObject({ code: 'BUG', message: 'a string', exit: 70 });
  });
});

describe('reportError', () => {
  it('prints one error line and the hint for our own errors', () => {
    const ctx = captureContext();
    expect(reportError(ctx, new UsageError('--plat: unknown tag', { hint: 'see --help' }))).toBe(2);
    expect(ctx.stderr()).toBe('wheelaudit: error[USAGE]: --plat: unknown tag\n  hint: see --help\n');
    expect(ctx.stdout()).toBe('');
  });

  it('prints a bug report with the stack and the versions', () => {
    const ctx = captureContext();
    const bug = new RangeError('offset out of bounds');
    expect(reportError(ctx, bug)).toBe(70);
    const text = ctx.stderr();
    expect(text.startsWith('wheelaudit: internal error (this is a bug, please report it): offset out of bounds\nRangeError: offset out of bounds\n')).toBe(true);
    expect(text).toContain(`node ${process.version}, ${process.platform}-${process.arch}\n`);
  });

  it('lists the culprits of a refusal, one per line, then a hint naming a build image', () => {
    const ctx = captureContext();
    const e = new RefusalError('REPAIR_REFUSED', 'cannot repair "x.whl" to "manylinux_2_17_x86_64" ABI because of the presence of too-recent versioned symbols', 'manylinux_2_17_x86_64', [
      { kind: 'symbol-version', library: 'libc.so.6', version: 'GLIBC_2.36', bestTag: 'manylinux_2_36_x86_64', importers: [{ file: 'x/_x.so', grafted: false, realpath: undefined, symbols: ['arc4random'] }] },
    ]);
    expect(reportError(ctx, e)).toBe(2);
    const lines = ctx.stderr().split('\n').filter((l) => l !== '');
    expect(lines[0]).toBe('wheelaudit: error[REPAIR_REFUSED]: cannot repair "x.whl" to "manylinux_2_17_x86_64" ABI because of the presence of too-recent versioned symbols');
    expect(lines.slice(1, -1).length).toBeGreaterThan(0);
    for (const l of lines.slice(1, -1)) expect(l).toMatch(/^ {2}- /);
    expect(lines.slice(1, -1)).toEqual(['  - arc4random@GLIBC_2.36 from libc.so.6, imported by x/_x.so; GLIBC_2.36 needs manylinux_2_36_x86_64 or newer']);
    expect(lines[lines.length - 1]).toMatch(/^ {2}hint: .*manylinux/);
  });
});
