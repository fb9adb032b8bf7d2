// Bad input at the command line (issue 7's CLI items): every failure is one line that names
// the file and says what is wrong, with a stable code and exit code, before any work is done,
// and nothing is written. Inputs are built here: FIFOs, devices, files where a folder is
// expected, hostile -L values, out-of-range SOURCE_DATE_EPOCH, wrong-architecture wheels, an
// ELF file with 10,000 DT_NEEDED entries.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ChainIndex } from '../../src/analyze/findings.js';
import type { DynamicExecutable, DynamicLibrary } from '../../src/analyze/lddtree.js';
import { classifyError } from '../../src/cli/exit.js';
import { describeError, inContext, RepairError, WheelFormatError } from '../../src/errors.js';
import { FIXTURES } from '../helpers/corpus.js';
import { runCli, spawnCli, type CliResult } from '../helpers/cli.js';
import { editWheel, elfWithNeeded, fixtureWheel, scratchDir } from './helpers/wheels.js';
import { cpuClock } from '../helpers/cpu-clock.js';

const WITHFFI = fixtureWheel('withffi-0.1.0-cp311-cp311-linux_x86_64.whl');

/** One `wheelaudit: error[CODE]: …` line (plus optional `  hint:`), no stack trace. */
function oneError(r: CliResult, exit: number, code: string): string {
  expect(r.code, r.stderr).toBe(exit);
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  const errs = lines.filter((l) => l.startsWith('wheelaudit: error['));
  expect(errs, r.stderr).toHaveLength(1);
  expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
  const m = /^wheelaudit: error\[([A-Z_]+)\]: (.*)$/.exec(errs[0] as string);
  expect(m?.[1], r.stderr).toBe(code);
  return m?.[2] ?? '';
}

function mkfifo(p: string): boolean {
  return spawnSync('mkfifo', [p]).status === 0;
}

describe('paths that are not regular files say what they are', () => {
  const d = scratchDir();
  const fifo = path.join(d, 'pipe-0.1-py3-none-any.whl');
  const haveFifo = mkfifo(fifo);
  const cases: [string, string, RegExp][] = [
    ['a directory', d, /it is a directory, expected (a wheel file|an ELF file)$/],
    ['a character device', '/dev/null', /it is a character device, expected (a wheel file|an ELF file)$/],
  ];
  if (haveFifo) cases.push(['a FIFO', fifo, /it is a FIFO \(named pipe\), expected (a wheel file|an ELF file)$/]);

  for (const cmd of [['show'], ['repair', '-w', path.join(d, 'out')], ['check'], ['lddtree']]) {
    it.each(cases)(`${cmd[0] as string}: %s is a usage error naming it (exit 2), in bounded time`, async (_what, p, re) => {
      const started = Date.now();
      const r = await runCli([...cmd, p]);
      const msg = oneError(r, 2, 'USAGE');
      expect(msg).toContain(p);
      expect(msg).toMatch(re);
      // A FIFO is never opened: opening it would block until a writer came.
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(existsSync(path.join(d, 'out'))).toBe(false);
    });
  }

  it('a missing file keeps the reference wording', async () => {
    expect(oneError(await runCli(['show', path.join(d, 'nope.whl')]), 2, 'USAGE')).toBe(`cannot access ${path.join(d, 'nope.whl')}. No such file`);
  });
});

describe('-w naming a file', () => {
  it('says plainly that the output directory is a file (no EEXIST), exit 1, the file untouched', async () => {
    const d = scratchDir();
    const f = path.join(d, 'wheelhouse');
    writeFileSync(f, 'keep');
    const r = await runCli(['repair', '-w', f, WITHFFI]);
    expect(oneError(r, 1, 'IO')).toBe(`cannot use ${f} as the output directory: ${f} is a file`);
    expect(r.stderr).not.toMatch(/EEXIST|ENOTDIR/);
    const under = path.join(f, 'sub');
    const r2 = await runCli(['repair', '-w', under, WITHFFI]);
    expect(oneError(r2, 1, 'IO')).toBe(`cannot use ${under} as the output directory: ${f} (on the way to ${under}) is a file`);
    expect(readFileSync(f, 'utf8')).toBe('keep');
    expect(readdirSync(d)).toEqual(['wheelhouse']);
  });
});

describe('error text from the system', () => {
  it('an errno keeps its capitals after the description (a real ENOSPC from /dev/full)', () => {
    let err: unknown;
    try {
      writeFileSync('/dev/full', 'x');
    } catch (e) {
      err = e;
    }
    expect(err).toBeDefined();
    expect(describeError(err)).toBe('no space left on device (ENOSPC)');
  });

  it('a system error that escapes with a path is an I/O failure (exit 1), anything else a bug (exit 70)', () => {
    let err: unknown;
    try {
      readFileSync('/nonexistent/wheelaudit');
    } catch (e) {
      err = e;
    }
    expect(classifyError(err)).toMatchObject({ code: 'IO', exit: 1, bug: false, message: '/nonexistent/wheelaudit: no such file or directory (ENOENT)' });
    expect(classifyError(new TypeError('x is undefined'))).toMatchObject({ exit: 70, bug: true });
  });
});

describe('errors name the wheel, however deep they were raised', () => {
  const malformed = readdirSync(path.join(FIXTURES, 'malformed')).filter((f) => f.endsWith('.whl'));
  it('finds the malformed wheels (an empty list would check nothing)', () => {
    expect(malformed.length).toBeGreaterThan(20);
  });
  it.each(malformed)('%s: show, repair and check name the wheel file in the error line', async (f) => {
    const d = scratchDir();
    const name = 'x-1.0-py3-none-linux_x86_64.whl';
    copyFileSync(path.join(FIXTURES, 'malformed', f), path.join(d, name));
    for (const cmd of [['show'], ['repair', '-w', path.join(d, 'out')], ['check']]) {
      const r = await runCli([...cmd, path.join(d, name)]);
      const line = r.stderr.split('\n').find((l) => l.startsWith('wheelaudit: error['));
      if (line === undefined) continue;
      expect(line, `${cmd[0] as string} ${f}`).toContain(name);
      expect(r.stderr).not.toMatch(/internal error|\n\s+at /);
    }
  });

  it('inContext keeps the class, code, hint and fields, and does not repeat a name already there', () => {
    const e = new RepairError('REPAIR_PATCHER', 'entry a.so: boom', { hint: 'try x' });
    const c = inContext(e, 'w.whl');
    expect(c).toBeInstanceOf(RepairError);
    expect([c.code, c.message, c.hint]).toEqual(['REPAIR_PATCHER', 'w.whl: entry a.so: boom', 'try x']);
    expect(e.message).toBe('entry a.so: boom');
    const named = new WheelFormatError('WHEEL_NOT_ZIP', 'cannot read zip file /x/w.whl: bad');
    expect(inContext(named, 'w.whl')).toBe(named);
  });
});

describe('lddtree says why a library was not found', () => {
  it('a candidate that is not a usable ELF file is named with the reason', async () => {
    const d = scratchDir();
    const lib = path.join(d, 'lib');
    mkdirSync(lib);
    // ELF magic, then garbage: the loader would skip it, and so does the lookup.
    writeFileSync(path.join(lib, 'libbroken.so.1'), Buffer.concat([Buffer.from('\x7fELF\x02\x01\x01', 'latin1'), Buffer.alloc(9)]));
    const exe = path.join(d, 'needs-broken.so');
    writeFileSync(exe, elfWithNeeded(['libbroken.so.1']));
    const r = await runCli(['lddtree', '--ldpaths', lib, exe]);
    expect(r.code, r.stderr).toBe(0);
    const j = JSON.parse(r.stdout) as { libraries: Record<string, { realpath: string | null }> };
    expect(j.libraries['libbroken.so.1']?.realpath).toBeNull();
    expect(r.stderr).toMatch(new RegExp(`warning: skipped ${path.join(lib, 'libbroken.so.1').replace(/[.]/g, '\\.')}: .+`));
  });
});

describe('a wheel whose ELF files are all for another architecture', () => {
  it('one line with a code (ANALYZE_WRONG_ARCH), naming the files; exit 1', async () => {
    const d = scratchDir();
    const src = fixtureWheel('minext-0.1.0-cp311-cp311-linux_aarch64.whl');
    const w = path.join(d, 'minext-0.1.0-cp311-cp311-linux_x86_64.whl');
    writeFileSync(w, readFileSync(src));
    for (const cmd of [['show'], ['repair', '-w', path.join(d, 'out')]]) {
      const r = await runCli([...cmd, w]);
      const msg = oneError(r, 1, 'ANALYZE_WRONG_ARCH');
      expect(msg).toMatch(/with a 'x86_64' architecture found; the ELF files found are for other architectures: _minext\.cpython-311-aarch64-linux-gnu\.so, libverdemo\.so\.1$/);
      expect(r.stderr).not.toMatch(/\n\t/);
    }
    expect(existsSync(path.join(d, 'out')) ? readdirSync(path.join(d, 'out')) : []).toEqual([]);
  });

  it('under --json, show prints the reference schema error object on stdout', async () => {
    const d = scratchDir();
    const w = path.join(d, 'minext-0.1.0-cp311-cp311-linux_x86_64.whl');
    writeFileSync(w, readFileSync(fixtureWheel('minext-0.1.0-cp311-cp311-linux_aarch64.whl')));
    const r = await runCli(['show', '--json', w]);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(j)).toEqual(['version', 'wheel', 'error']);
    expect(j['error']).toMatch(/architecture/);
  });
});

describe('SOURCE_DATE_EPOCH out of range', () => {
  it.each(['8640000000001', '99999999999999', '9'.repeat(400)])('%s is a usage error before any work: no "Repairing", nothing written', async (v) => {
    const d = scratchDir();
    const out = path.join(d, 'out');
    const r = await runCli(['repair', '-w', out, WITHFFI], { env: { SOURCE_DATE_EPOCH: v } });
    expect(oneError(r, 2, 'USAGE')).toMatch(/^SOURCE_DATE_EPOCH: \d+ seconds is out of range/);
    expect(r.stderr).not.toContain('Repairing');
    expect(existsSync(out)).toBe(false);
  });

  it('the last date there is is accepted (clipped to 2107 when written)', async () => {
    const d = scratchDir();
    const r = await runCli(['repair', '-q', '-w', d, WITHFFI], { env: { SOURCE_DATE_EPOCH: '8640000000000' } });
    expect(r.code, r.stderr).toBe(0);
  });
});

describe('-L accepts only a plain relative folder name', () => {
  it.each([
    ['/..', /'\.\.' path component/],
    ['/../x', /'\.\.' path component/],
    ['/./x', /'\.' path component/],
    ['//x', /empty path component/],
    ['.libs:/tmp', /':' \(a run-path separator\)/],
    [':', /':' \(a run-path separator\)/],
    ['$ORIGIN', /'\$' \(a run-path substitution\)/],
    ['.li\\bs', /'\\' \(not a path separator in wheels\)/],
    ['.libs\n', /control character U\+000A/],
    ['.li\u0001bs', /control character U\+0001/],
    ['.l ibs', /' '/],
    ['.libs\u00e9', /'\u00e9'/],
  ])('%j: usage error (exit 2), nothing written', async (value, re) => {
    const d = scratchDir();
    const out = path.join(d, 'out');
    const r = await runCli(['repair', '-L', value, '-w', out, WITHFFI]);
    const msg = oneError(r, 2, 'USAGE');
    expect(msg).toMatch(/^option -L\/--lib-sdir /);
    expect(msg).toMatch(re);
    expect(r.stderr).not.toContain('Repairing');
    expect(existsSync(out)).toBe(false);
  });
});

describe('attributing DT_NEEDED chains is linear', () => {
  function bigTree(n: number): DynamicExecutable {
    const libraries = new Map<string, DynamicLibrary>();
    const needed: string[] = [];
    for (let i = 0; i < n; i++) {
      const soname = `libx${i}.so.1`;
      needed.push(soname);
      // Each library also needs the next one: long chains and many edges.
      libraries.set(soname, { soname, path: undefined, realpath: undefined, platform: undefined, needed: i + 1 < n ? [`libx${i + 1}.so.1`] : [] });
    }
    return { interpreter: undefined, libc: 'glibc', path: 'a.so', realpath: 'a.so', platform: undefined as never, needed, rpath: [], runpath: [], libraries };
  }

  it('10,000 libraries: one walk, every shortest chain read back', () => {
    const started = cpuClock();
    const index = new ChainIndex(bigTree(10_000));
    for (let i = 0; i < 10_000; i++) expect(index.chainTo(`libx${i}.so.1`)).toEqual([`libx${i}.so.1`]);
    expect(index.chainTo('libnothere.so')).toBeUndefined();
    expect(started()).toBeLessThan(10_000);
  });

  it('show and check on a wheel whose library has 10,000 DT_NEEDED entries finish in bounded time and name the chains', async () => {
    const d = scratchDir();
    const needed = ['libc.so.6', ...Array.from({ length: 10_000 }, (_, i) => `libmissing${i}.so.1`)];
    const w = await editWheel(WITHFFI, d, { add: new Map([['withffi/libmany.so', elfWithNeeded(needed)]]) });
    const started = cpuClock();
    const r = await runCli(['-v', 'show', w]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('external library libmissing9999.so.1 (not found), not whitelisted by these tags: withffi/libmany.so -> libmissing9999.so.1');
    const c = await runCli(['check', '--format', 'json', w]);
    expect(c.code).toBe(0);
    expect(started()).toBeLessThan(60_000);
  }, 120_000);
});

describe('the installed command', () => {
  it('refusal lines and exit codes are the same from the real process', () => {
    const r = spawnCli(['repair', '--plat', 'manylinux_2_17_x86_64', '-w', scratchDir(), fixtureWheel('glibcnew-0.1.0-cp311-cp311-linux_x86_64.whl')]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('  - arc4random_uniform@GLIBC_2.36 from libc.so.6');
  });
});
