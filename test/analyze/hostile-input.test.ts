// Hostile input to the analysis (issue 7): each class is built here by a generator, run
// through the real command (a child process of the built CLI), and must end in the clean
// result: the documented error line and exit code, bounded time and memory, and nothing
// written to the output directory.
//   - --exclude globs that make a backtracking regular expression run for minutes;
//   - wheels whose ELF files are for several architectures, or several libcs;
//   - a RUNPATH naming the analysis' own view of the wheel, to make a missing library look present.
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { applyElfEdit } from '../../src/elf/write.js';
import { buildWheel, wheelFiles, type WheelFile } from '../helpers/build-wheel.js';
import { wheel } from '../helpers/cli.js';
import { runMeasured, type MeasuredRun } from '../helpers/measure.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-hostile-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

let n = 0;
const outDir = (): string => path.join(tmp, `out-${++n}`);

/** Generous bounds: they catch a blowup, not a slow machine. */
function bounded(r: MeasuredRun): void {
  expect(r.cpuMs, `took ${r.cpuMs.toFixed(0)} ms of CPU`).toBeLessThan(20_000);
  expect(r.maxRssMiB, `peak RSS ${r.maxRssMiB.toFixed(0)} MiB`).toBeLessThan(400);
}

/** Exactly one error line with `code`, matching `message`; returns the message. */
function oneError(r: MeasuredRun, exit: number, code: string, message: RegExp): void {
  expect(r.code, r.stderr).toBe(exit);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('wheelaudit: error'));
  expect(errors, r.stderr).toHaveLength(1);
  expect(errors[0]).toMatch(new RegExp(`^wheelaudit: error\\[${code}\\]: `));
  expect(errors[0]).toMatch(message);
  expect(r.stderr).not.toMatch(/internal error|this is a bug|\n\s+at /);
}

function nothingWritten(dir: string): void {
  expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
}

const SYMVEROLD = wheel('symverold-0.1.0-cp311-cp311-linux_x86_64.whl');
const SYMVEROLD_EXT = 'symverold/_symverold.cpython-311-x86_64-linux-gnu.so';

async function variant(name: string, tag: string, files: Record<string, WheelFile>): Promise<string> {
  return buildWheel(path.join(tmp, `in-${++n}`), { distribution: name, version: '0.1.0', tag, files });
}

describe('--exclude globs are matched without backtracking', () => {
  // The extension needs a 60-character soname made of 'a': a backtracking regular expression
  // for `*a*a...*a b` tries every way of splitting it (about 10^17) before it says no.
  const sixty = 'a'.repeat(60);
  const hostileWheel = async (): Promise<string> => {
    const files = await wheelFiles(SYMVEROLD);
    const ext = files[SYMVEROLD_EXT] as WheelFile;
    const bytes = applyElfEdit(ext.data as Uint8Array, [{ kind: 'replace-needed', from: 'libc.so.6', to: sixty }]).bytes;
    return variant('symverold', 'cp311-cp311-linux_x86_64', { ...files, [SYMVEROLD_EXT]: { data: bytes, mode: 0o755 } });
  };

  it('a pattern that does not match: the library is still missing (exit 1, one line), at once', async () => {
    const w = await hostileWheel();
    const d = outDir();
    const r = runMeasured(['repair', '--exclude', `${'*a'.repeat(30)}b`, '-w', d, w]);
    oneError(r, 1, 'REPAIR_LIB_NOT_FOUND', new RegExp(`"${sixty}" could not be located`));
    bounded(r);
    nothingWritten(d);
  });

  it('a pattern that matches: the library is excluded and the wheel repaired (exit 0), at once', async () => {
    const w = await hostileWheel();
    const d = outDir();
    const r = runMeasured(['repair', '--exclude', '*a'.repeat(30), '-w', d, w]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`Excluding ${sixty}`);
    bounded(r);
    expect(readdirSync(d)).toHaveLength(1);
  });
});

describe('a wheel is for one architecture and one libc', () => {
  const ARM = wheel('minext-0.1.0-cp311-cp311-linux_aarch64.whl');
  const MUSL = wheel('muslext-0.1.0-cp311-cp311-linux_x86_64.whl');

  it('x86_64 and aarch64 extensions together: show and repair refuse, naming the files of each (exit 1)', async () => {
    const w = await variant('mixed', 'cp311-cp311-linux_x86_64', { ...(await wheelFiles(SYMVEROLD)), ...(await wheelFiles(ARM)) });
    const message = /several architectures \(x86_64: symverold\/_symverold\.cpython-311-x86_64-linux-gnu\.so; aarch64: minext\/_minext\.cpython-311-aarch64-linux-gnu\.so, minext\/libverdemo\.so\.1\); a wheel is for exactly one/;
    const text = runMeasured(['show', w]);
    oneError(text, 1, 'ANALYZE_MULTI_ARCH', message);
    expect(text.stdout).toBe('');
    bounded(text);
    // Under --json the failure is also the schema's error document.
    const json = runMeasured(['show', '--json', w]);
    oneError(json, 1, 'ANALYZE_MULTI_ARCH', message);
    expect(JSON.parse(json.stdout)).toEqual({ version: 1, wheel: path.basename(w), error: expect.stringMatching(message) as unknown });
    const d = outDir();
    const r = runMeasured(['repair', '-w', d, w]);
    oneError(r, 1, 'ANALYZE_MULTI_ARCH', message);
    bounded(r);
    nothingWritten(d);
  });

  it('the same when the filename names no architecture (py3-none-any): the first ELF file does not win', async () => {
    const w = await variant('mixedany', 'py3-none-any', { ...(await wheelFiles(ARM)), ...(await wheelFiles(SYMVEROLD)) });
    const d = outDir();
    const r = runMeasured(['repair', '-w', d, w]);
    oneError(r, 1, 'ANALYZE_MULTI_ARCH', /several architectures \(aarch64: .*; x86_64: /);
    nothingWritten(d);
  });

  it('many files of another architecture: five are named, then how many more', async () => {
    const arm = await wheelFiles(ARM);
    const so = arm['minext/libverdemo.so.1'] as WheelFile;
    const many: Record<string, WheelFile> = { ...(await wheelFiles(SYMVEROLD)) };
    for (let i = 0; i < 200; i++) many[`symverold/arm/lib${i}.so`] = so;
    const r = runMeasured(['show', await variant('manyarm', 'cp311-cp311-linux_x86_64', many)]);
    oneError(r, 1, 'ANALYZE_MULTI_ARCH', /aarch64: symverold\/arm\/lib0\.so, (symverold\/arm\/lib\d+\.so, ){3}symverold\/arm\/lib\d+\.so and 195 more\)/);
    bounded(r);
  });

  it('glibc and musl extensions together: refused (exit 1, ANALYZE_LIBC)', async () => {
    const w = await variant('mixedlibc', 'cp311-cp311-linux_x86_64', { ...(await wheelFiles(SYMVEROLD)), ...(await wheelFiles(MUSL)) });
    const d = outDir();
    const r = runMeasured(['repair', '-w', d, w]);
    oneError(r, 1, 'ANALYZE_LIBC', /several C libraries \(glibc: symverold\/_symverold\.cpython-311-x86_64-linux-gnu\.so; musl: muslext\/_muslext\.cpython-311-x86_64-linux-musl\.so\)/);
    bounded(r);
    nothingWritten(d);
    oneError(runMeasured(['show', w]), 1, 'ANALYZE_LIBC', /several C libraries/);
  });

  it('control: one architecture, one libc is fine', async () => {
    const r = runMeasured(['show', '--json', SYMVEROLD]);
    expect(r.code, r.stderr).toBe(0);
  });
});

describe('the analysis’ view of the wheel cannot be named from inside the wheel', () => {
  // chainrunpath: the extension finds chainrunpath/lib/liba.so through RUNPATH $ORIGIN/lib.
  // Pointed instead at an absolute directory that does not exist on any target, liba.so is
  // missing, whatever that directory is called, including what the analysis once used as the
  // mount point of the wheel's files (/.wheelaudit-wheel) or prints for it (<wheel>).
  const CHAIN = wheel('chainrunpath-0.1.0-cp311-cp311-linux_x86_64.whl');
  const EXT = 'chainrunpath/_chainrunpath.cpython-311-x86_64-linux-gnu.so';
  const withRunpath = async (runpath: string): Promise<string> => {
    const files = await wheelFiles(CHAIN);
    const ext = files[EXT] as WheelFile;
    const bytes = applyElfEdit(ext.data as Uint8Array, [{ kind: 'set-rpath', value: runpath, tag: 'DT_RUNPATH' }]).bytes;
    return variant('chainrunpath', 'cp311-cp311-linux_x86_64', { ...files, [EXT]: { data: bytes, mode: 0o755 } });
  };

  it('control: through $ORIGIN the in-wheel library is found (nothing external)', async () => {
    const r = runMeasured(['show', '--json', await withRunpath('$ORIGIN/lib')]);
    expect(r.code, r.stderr).toBe(0);
    expect((JSON.parse(r.stdout) as { external_libs: object }).external_libs).toEqual({});
  });

  it.each([
    '/.wheelaudit-wheel/chainrunpath/lib',
    '/.wheelaudit-wheel/./chainrunpath/lib',
    '$ORIGIN/../../../../.wheelaudit-wheel/chainrunpath/lib',
    '/<wheel>/chainrunpath/lib',
    '/wheel/chainrunpath/lib',
  ])('RUNPATH %s: liba.so is reported missing by show, and repair fails cleanly', async (runpath) => {
    const w = await withRunpath(runpath);
    const s = runMeasured(['show', '--json', w]);
    expect(s.code, s.stderr).toBe(0);
    expect((JSON.parse(s.stdout) as { external_libs: object }).external_libs).toEqual({ 'liba.so': null });
    const d = outDir();
    const r = runMeasured(['repair', '-w', d, w]);
    oneError(r, 1, 'REPAIR_LIB_NOT_FOUND', /"liba\.so" could not be located/);
    bounded(r);
    nothingWritten(d);
  });
});
