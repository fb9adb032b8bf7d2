// The CLI context helpers: colour decisions by the no-color/force-color conventions, log and
// error lines, which errors get the wheel's name, and the checks on --sysroot and input paths
// against real file kinds (a directory, a FIFO, a character device).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  errorText,
  ldEnvironment,
  namingWheel,
  printError,
  printLogs,
  progressFor,
  requireFile,
  sysrootOption,
  useColor,
} from '../../src/cli/context.js';
import { ProgressLine } from '../../src/cli/progress.js';
import { ElfFormatError, UsageError, WheelFormatError } from '../../src/errors.js';
import { RefusalError } from '../../src/repair/refusal.js';
import { captureContext } from '../helpers/cli-context.js';
import { needs, requireTool } from '../helpers/requires.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-context-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('useColor', () => {
  it.each([
    [true, {}, true],
    [false, {}, false],
    [true, { TERM: 'dumb' }, false],
    [true, { NO_COLOR: '1' }, false],
    [true, { NO_COLOR: '' }, true],
    [false, { FORCE_COLOR: '1' }, true],
    [false, { FORCE_COLOR: '' }, true],
    [true, { FORCE_COLOR: '0' }, false],
    [true, { FORCE_COLOR: 'false' }, false],
    [false, { NO_COLOR: 'x', FORCE_COLOR: '1' }, false],
  ] as const)('isTTY=%s env=%j -> %s', (isTTY, env, want) => {
    expect(useColor({ isTTY }, env)).toBe(want);
  });
});

describe('log and error lines', () => {
  const logs = [
    { level: 'warning', message: 'w' },
    { level: 'info', message: 'i' },
    { level: 'debug', message: 'd' },
  ] as const;

  it('prints warnings and info, debug only with -v, nothing with -q', () => {
    const plain = captureContext();
    printLogs(plain, logs);
    expect(plain.stderr()).toBe('wheelaudit: warning: w\nwheelaudit: i\n');
    const verbose = captureContext({ verbose: 1 });
    printLogs(verbose, logs);
    expect(verbose.stderr()).toBe('wheelaudit: warning: w\nwheelaudit: i\nwheelaudit: debug: d\n');
    const quiet = captureContext({ quiet: true, verbose: 1 });
    printLogs(quiet, logs);
    expect(quiet.stderr()).toBe('');
  });

  it('colours only when the context says so', () => {
    const c = captureContext({ color: true });
    printError(c, 'USAGE', 'bad', 'do this', ['one']);
    expect(c.stderr()).toBe('wheelaudit: \u001b[31merror[USAGE]\u001b[39m: bad\n  - one\n  \u001b[1mhint:\u001b[22m do this\n');
    const p = captureContext();
    printError(p, 'USAGE', 'bad');
    expect(p.stderr()).toBe('wheelaudit: error[USAGE]: bad\n');
  });
});

describe('namingWheel and errorText', () => {
  it("puts the wheel's base name in front, except for usage, I/O and refusal errors", () => {
    const e = new ElfFormatError('ELF_TRUNCATED', 'entry pkg/_x.so: header is short');
    expect((namingWheel(e, '/tmp/dist/x-1-py3-none-any.whl') as Error).message).toBe('x-1-py3-none-any.whl: entry pkg/_x.so: header is short');
    const usage = new UsageError('--plat: bad');
    expect(namingWheel(usage, '/tmp/x.whl')).toBe(usage);
    const refusal = new RefusalError('REPAIR_REFUSED', 'cannot repair "x.whl"', 't', []);
    expect(namingWheel(refusal, '/tmp/y.whl')).toBe(refusal);
    const bug = new TypeError('boom');
    expect(namingWheel(bug, '/tmp/y.whl')).toBe(bug);
  });

  it('gives machine output a message for ours, system errors and bugs', () => {
    expect(errorText(new WheelFormatError('WHEEL_NOT_ZIP', 'not a zip'))).toBe('not a zip');
    let sys: unknown;
    try {
      statSync(path.join(tmp, 'missing'));
    } catch (e) {
      sys = e;
    }
    expect(errorText(sys)).toBe(`${path.join(tmp, 'missing')}: no such file or directory (ENOENT)`);
    expect(errorText(new RangeError('r'))).toBe('internal error (this is a bug): r');
  });
});

describe('environment and progress', () => {
  it('ldEnvironment takes exactly the two variables library lookup reads', () => {
    expect(ldEnvironment({ LD_LIBRARY_PATH: '/a', AUDITWHEEL_LD_LIBRARY_PATH: '/b', PATH: '/bin' })).toEqual({ AUDITWHEEL_LD_LIBRARY_PATH: '/b', LD_LIBRARY_PATH: '/a' });
    expect(ldEnvironment({})).toEqual({ AUDITWHEEL_LD_LIBRARY_PATH: undefined, LD_LIBRARY_PATH: undefined });
  });

  it('progressFor gives the sink only with a progress line and without -q', () => {
    expect(progressFor(captureContext(), 1)).toBeUndefined();
    const progress = new ProgressLine(() => undefined);
    expect(progressFor(captureContext({ progress }), 1)).toBe(progress.sink);
    expect(progressFor(captureContext({ progress, quiet: true }), 1)).toBeUndefined();
  });
});

describe('paths the user names', () => {
  it('--sysroot: empty is the host, a directory is made absolute without trailing slashes, anything else is a usage error', () => {
    const ctx = captureContext({ cwd: tmp });
    mkdirSync(path.join(tmp, 'root'), { recursive: true });
    writeFileSync(path.join(tmp, 'file'), 'x');
    expect(sysrootOption(ctx, undefined)).toBe('');
    expect(sysrootOption(ctx, '')).toBe('');
    expect(sysrootOption(ctx, 'root//')).toBe(path.join(tmp, 'root'));
    expect(() => sysrootOption(ctx, 'file')).toThrow(new UsageError('--sysroot file: not a directory'));
    expect(() => sysrootOption(ctx, 'nope')).toThrow('--sysroot nope: not a directory');
  });

  it('requireFile: the reference wording for a missing file, and what a non-file is', needs(requireTool('mkfifo', 'coreutils')), () => {
    const ctx = captureContext({ cwd: tmp });
    writeFileSync(path.join(tmp, 'w.whl'), 'x');
    execFileSync('mkfifo', [path.join(tmp, 'fifo')]);
    expect(requireFile(ctx, 'w.whl')).toBe(path.join(tmp, 'w.whl'));
    expect(() => requireFile(ctx, 'absent.whl')).toThrow('cannot access absent.whl. No such file');
    expect(() => requireFile(ctx, 'w.whl/inner')).toThrow('cannot access w.whl/inner. No such file');
    expect(() => requireFile(ctx, tmp)).toThrow(`cannot access ${tmp}: it is a directory, expected a wheel file`);
    expect(() => requireFile(ctx, 'fifo', 'an ELF file')).toThrow('cannot access fifo: it is a FIFO (named pipe), expected an ELF file');
    expect(() => requireFile(ctx, '/dev/null')).toThrow('cannot access /dev/null: it is a character device, expected a wheel file');
  });
});
