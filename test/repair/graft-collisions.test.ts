// repair never writes over the wheel's own files (issue 7, hostile input): a wheel entry named
// like the graft folder (`<name>.libs` as a file), an entry already at a graft path, or at the
// place an ELF script moves to, is refused with one clear line (exit 2) before anything is
// written. The libraries come from a bookworm sysroot of the test's own.
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildWheel, wheelEntries, wheelFiles, type WheelFile } from '../helpers/build-wheel.js';
import { wheel } from '../helpers/cli.js';
import { fixtureSysroot, fixtureSysrootSupport, sysrootLibrary } from '../helpers/fixture-sysroot.js';
import { runMeasured, type MeasuredRun } from '../helpers/measure.js';
import { needs } from '../helpers/requires.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-collide-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
let n = 0;
let sysroot = '';
let ffiGraft = '';

function refused(r: MeasuredRun, message: RegExp, outDir: string): void {
  expect(r.code, r.stderr).toBe(2);
  const errors = r.stderr.split('\n').filter((l) => l.startsWith('wheelaudit: error'));
  expect(errors, r.stderr).toHaveLength(1);
  expect(errors[0]).toMatch(/^wheelaudit: error\[REPAIR_REFUSED\]: /);
  expect(errors[0]).toMatch(message);
  expect(r.stderr).not.toMatch(/internal error|this is a bug|\n\s+at /);
  expect(r.cpuMs).toBeLessThan(20_000);
  expect(r.maxRssMiB).toBeLessThan(400);
  expect(existsSync(outDir) ? readdirSync(outDir) : []).toEqual([]);
}

async function withExtra(fixture: string, dist: string, tag: string, extra: Record<string, WheelFile | string>): Promise<string> {
  const files = await wheelFiles(wheel(fixture));
  return buildWheel(path.join(tmp, `in-${++n}`), { distribution: dist, version: '0.1.0', tag, files: { ...files, ...extra } });
}

function repair(w: string, flags: readonly string[] = []): { r: MeasuredRun; out: string } {
  const out = path.join(tmp, `out-${++n}`);
  return { r: runMeasured(['repair', '--sysroot', sysroot, ...flags, '-w', out, w]), out };
}

describe('repair refuses to write over the wheel’s own entries', needs(fixtureSysrootSupport()), () => {
  beforeAll(async () => {
    sysroot = await fixtureSysroot();
    const ffi = sysrootLibrary(sysroot, 'libffi.so.8');
    const b = path.basename(ffi);
    ffiGraft = `${b.slice(0, b.indexOf('.'))}-${createHash('sha256').update(readFileSync(ffi)).digest('hex').slice(0, 8)}${b.slice(b.indexOf('.'))}`;
  }, 600_000);

  const WITHFFI = 'withffi-0.1.0-cp311-cp311-linux_x86_64.whl';
  const FFITOOL = 'ffitool-0.1.0-py3-none-any.whl';

  it('a file named withffi.libs where the graft folder goes', async () => {
    const { r, out } = repair(await withExtra(WITHFFI, 'withffi', 'cp311-cp311-linux_x86_64', { 'withffi.libs': 'not a folder\n' }));
    refused(r, /the wheel has a file named withffi\.libs, where repair must create the folder withffi\.libs\/ for the grafted copy of libffi\.so\.8 \(/, out);
    expect(r.stderr).toContain('hint: rename that entry, or graft into another folder with -L');
  });

  it('-L /.libs: a file named withffi/.libs', async () => {
    const { r, out } = repair(await withExtra(WITHFFI, 'withffi', 'cp311-cp311-linux_x86_64', { 'withffi/.libs': 'x' }), ['-L', '/.libs']);
    refused(r, /the wheel has a file named withffi\/\.libs, where repair must create the folder/, out);
  });

  it('an entry already at the graft path (it would be replaced silently)', async () => {
    const { r, out } = repair(await withExtra(WITHFFI, 'withffi', 'cp311-cp311-linux_x86_64', { [`withffi.libs/${ffiGraft}`]: 'an old copy\n' }));
    refused(r, new RegExp(`withffi\\.libs/${ffiGraft.replace(/\./g, '\\.')} already exists in the wheel; repair would replace it with the grafted copy of libffi\\.so\\.8`), out);
  });

  it('an entry where an ELF script moves to (ffitool.scripts/ffitool), and a file named ffitool.scripts', async () => {
    const a = repair(await withExtra(FFITOOL, 'ffitool', 'py3-none-any', { 'ffitool.scripts/ffitool': '#!/bin/sh\n' }));
    refused(a.r, /ffitool\.scripts\/ffitool already exists in the wheel; repair would replace it with ffitool-0\.1\.0\.data\/scripts\/ffitool, moved out of the scripts folder/, a.out);
    const b = repair(await withExtra(FFITOOL, 'ffitool', 'py3-none-any', { 'ffitool.scripts': 'x' }));
    refused(b.r, /the wheel has a file named ffitool\.scripts, where repair must create the folder ffitool\.scripts\//, b.out);
  });

  it('control: other files already in withffi.libs/ are kept next to the graft', async () => {
    const { r, out } = repair(await withExtra(WITHFFI, 'withffi', 'cp311-cp311-linux_x86_64', { 'withffi.libs/NOTICE.txt': 'kept\n' }));
    expect(r.code, r.stderr).toBe(0);
    const [file] = readdirSync(out);
    const entries = await wheelEntries(path.join(out, file as string));
    expect(entries).toContain('withffi.libs/NOTICE.txt');
    expect(entries).toContain(`withffi.libs/${ffiGraft}`);
  });
});
