// What the CLI prints around its results (issue 9, parts 3 and 4): progress on a terminal
// only (tested under a pseudo-terminal made by script(1), and its absence in a pipe), --quiet,
// FORCE_COLOR and NO_COLOR, the closing summary of repair, the line CI scripts grep for, and
// INFO chatter moved to -v.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { useColor } from '../../src/cli/context.js';
import { PROGRESS_DELAY_MS, PROGRESS_MIN_BYTES, ProgressLine } from '../../src/cli/progress.js';
import { runCli, spawnCli } from '../helpers/cli.js';
import { REPO } from '../helpers/corpus.js';
import { needs, requireTool } from '../helpers/requires.js';
import { editWheel, fixtureWheel, scratchDir } from './helpers/wheels.js';

const ANSI = /\u001b\[/;
const ERASE = '\r\u001b[K';
const WITHFFI = fixtureWheel('withffi-0.1.0-cp311-cp311-linux_x86_64.whl');
const BIN = path.join(REPO, 'bin', 'wheelaudit.js');

/** script(1) from util-linux gives the command a pseudo-terminal as stdin, stdout and stderr. */
const PTY = needs(requireTool('script', 'bsdutils'));

function underPty(args: string[], env: NodeJS.ProcessEnv = {}): { code: number; output: string } {
  const cmd = [process.execPath, BIN, ...args].map((a) => `'${a.replace(/'/g, "'\\''")}'`).join(' ');
  const r = spawnSync('script', ['-qec', cmd, '/dev/null'], {
    encoding: 'utf8',
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', TERM: 'xterm', ...env },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status ?? -1, output: r.stdout };
}

let big: string;
beforeAll(async () => {
  // Over PROGRESS_MIN_BYTES even compressed: random bytes do not deflate.
  const d = scratchDir();
  big = await editWheel(WITHFFI, d, { add: new Map([['withffi/blob.bin', new Uint8Array(randomBytes(PROGRESS_MIN_BYTES + 1024 * 1024))]]) });
}, 60_000);

describe('progress', () => {
  it('show and repair of a large wheel draw progress on a terminal, erased when done', PTY, () => {
    const show = underPty(['show', big]);
    expect(show.code, show.output).toBe(0);
    // Every entry is read (and checked), not only the ELF files.
    expect(show.output).toContain(`${ERASE}wheelaudit: reading 0/6 entries, 0 B of `);
    expect(show.output).toMatch(/\r\u001b\[Kwheelaudit: reading 6\/6 entries, [\d.]+ MiB of [\d.]+ MiB/);
    // The line is erased before the report, which starts on a clean line.
    expect(show.output).toMatch(/\r\u001b\[K\r?\n?.*is consistent with the\r?\n/);
    const out = path.join(scratchDir(), 'out');
    const repair = underPty(['repair', '-w', out, big]);
    expect(repair.code, repair.output).toBe(0);
    expect(repair.output).toMatch(/wheelaudit: writing \d+\/\d+ entries, [\d.]+ MiB/);
    expect(repair.output).toContain('Fixed-up wheel written to');
  });

  it('nothing of it in a pipe', () => {
    const show = spawnCli(['show', big]);
    expect(show.code).toBe(0);
    expect(show.stderr).not.toContain('reading');
    expect(show.stderr + show.stdout).not.toContain('\r');
    const repair = spawnCli(['repair', '-w', path.join(scratchDir(), 'out'), big]);
    expect(repair.stderr).not.toMatch(/writing \d+\/\d+/);
  });

  it('--quiet turns it off on a terminal too, and prints nothing on success', PTY, () => {
    const r = underPty(['repair', '-q', '-w', path.join(scratchDir(), 'out'), big]);
    expect(r.code).toBe(0);
    expect(r.output).toBe('');
  });

  it('the line: nothing for small work until the delay, at most one redraw per 100 ms, the last frame always, erased on clear', () => {
    let t = 0;
    let text = '';
    const line = new ProgressLine(
      (s) => {
        text += s;
      },
      () => t,
    );
    line.begin(1024);
    line.sink({ phase: 'reading', done: 0, total: 3, bytes: 0 });
    expect(text).toBe('');
    t = PROGRESS_DELAY_MS;
    line.sink({ phase: 'reading', done: 1, total: 3, bytes: 2048, totalBytes: 4096 });
    expect(text).toBe(`${ERASE}wheelaudit: reading 1/3 entries, 2.0 KiB of 4.0 KiB`);
    t += 10;
    line.sink({ phase: 'reading', done: 2, total: 3, bytes: 3072, totalBytes: 4096 });
    expect(text).not.toContain('2/3');
    line.sink({ phase: 'reading', done: 3, total: 3, bytes: 4096, totalBytes: 4096 });
    expect(text).toContain('3/3');
    line.clear();
    expect(text.endsWith(ERASE)).toBe(true);
    const n = text.length;
    line.clear();
    expect(text.length).toBe(n);
    // A large input draws from the first event.
    line.begin(PROGRESS_MIN_BYTES);
    line.sink({ phase: 'writing', done: 0, total: 9, bytes: 0 });
    expect(text.slice(n)).toBe(`${ERASE}wheelaudit: writing 0/9 entries, 0 B`);
  });
});

describe('colour', () => {
  it('FORCE_COLOR=1 colours a pipe; NO_COLOR wins over it; FORCE_COLOR=0 turns it off', () => {
    const w = fixtureWheel('symverold-0.1.0-cp311-cp311-linux_x86_64.whl');
    expect(spawnCli(['show', w], { env: { FORCE_COLOR: '1' } }).stdout).toMatch(ANSI);
    expect(spawnCli(['show', w]).stdout).not.toMatch(ANSI);
    expect(spawnCli(['show', w], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } }).stdout).not.toMatch(ANSI);
    const err = spawnCli(['show', 'missing.whl'], { env: { FORCE_COLOR: '1' } });
    expect(err.stderr).toMatch(/^wheelaudit: \u001b\[31merror\[USAGE\]\u001b\[39m: /);
  });

  it('the rules, stream by stream', () => {
    const tty = { isTTY: true };
    const pipe = { isTTY: false };
    expect(useColor(tty, {})).toBe(true);
    expect(useColor(pipe, {})).toBe(false);
    expect(useColor(tty, { TERM: 'dumb' })).toBe(false);
    expect(useColor(pipe, { FORCE_COLOR: '' })).toBe(true);
    expect(useColor(pipe, { FORCE_COLOR: '3' })).toBe(true);
    expect(useColor(tty, { FORCE_COLOR: '0' })).toBe(false);
    expect(useColor(tty, { FORCE_COLOR: 'false' })).toBe(false);
    expect(useColor(pipe, { FORCE_COLOR: '1', NO_COLOR: '1' })).toBe(false);
    // An empty NO_COLOR does not count (no-color.org).
    expect(useColor(tty, { NO_COLOR: '' })).toBe(true);
  });

  it('a terminal gets colour, NO_COLOR removes it', PTY, () => {
    const w = fixtureWheel('symverold-0.1.0-cp311-cp311-linux_x86_64.whl');
    expect(underPty(['show', w]).output).toMatch(ANSI);
    expect(underPty(['show', w], { NO_COLOR: '1' }).output).not.toMatch(ANSI);
  });
});

describe('repair: summary, the line CI scripts grep for, and no chatter', () => {
  it('lists each grafted library with its size and source, the output size and time, then "Fixed-up wheel written to"', async () => {
    const d = scratchDir();
    const r = await runCli(['repair', '-w', d, WITHFFI]);
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stderr.trimEnd().split('\n');
    const i = lines.findIndex((l) => l.startsWith('wheelaudit: grafted '));
    expect(lines.slice(i)).toEqual([
      expect.stringMatching(/^wheelaudit: grafted 1 library \([\d.]+ KiB\):$/),
      expect.stringMatching(/^wheelaudit: {3}libffi\.so\.8 -> withffi\.libs\/libffi-[0-9a-f]{8}\.so\.8[.\d]* \([\d.]+ KiB, from \/\S+\/libffi\.so\.8[.\d]*\)$/),
      expect.stringMatching(/^wheelaudit: wrote withffi-0\.1\.0-cp311-cp311-manylinux_2_27_x86_64\.whl \([\d.]+ KiB\) in [\d.]+ s$/),
      `Fixed-up wheel written to ${path.join(d, 'withffi-0.1.0-cp311-cp311-manylinux_2_27_x86_64.whl')}`,
    ]);
    // The reference's empty "wheelaudit: " line before it is gone, and so is the INFO chatter.
    expect(r.stderr).not.toMatch(/^wheelaudit: $/m);
    expect(r.stderr).not.toContain('setting libc');
    const v = await runCli(['-v', 'repair', '-w', scratchDir(), WITHFFI]);
    expect(v.stderr).toContain('wheelaudit: debug: setting libc to glibc');
  });

  it('says what was left out and why', async () => {
    const r = await runCli(['repair', '-w', scratchDir(), fixtureWheel('withpython-0.1.0-cp311-cp311-linux_x86_64.whl')]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('wheelaudit: grafted no libraries\n');
    expect(r.stderr).toContain('wheelaudit: left out libpython3.11.so.1.0: libpython is provided by the interpreter; its DT_NEEDED entry was removed\n');
    const x = await runCli(['repair', '--exclude', 'libffi*', '-w', scratchDir(), WITHFFI]);
    expect(x.stderr).toContain('wheelaudit: left out libffi.so.8: --exclude libffi*\n');
  });

  it('--quiet prints nothing at all on success, and still the error on failure', async () => {
    const ok = await runCli(['repair', '-q', '-w', scratchDir(), WITHFFI]);
    expect(ok).toEqual({ code: 0, stdout: '', stderr: '' });
    const global = await runCli(['-q', 'repair', '-w', scratchDir(), WITHFFI]);
    expect(global).toEqual({ code: 0, stdout: '', stderr: '' });
    const bad = await runCli(['repair', '-q', '--plat', 'manylinux_2_17_x86_64', '-w', scratchDir(), fixtureWheel('glibcnew-0.1.0-cp311-cp311-linux_x86_64.whl')]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^wheelaudit: error\[REPAIR_REFUSED\]: /);
    expect(bad.stderr).not.toContain('Repairing');
  });

  it('show --quiet keeps the report and drops the logs', async () => {
    const r = await runCli(['show', '-q', fixtureWheel('statictool-0.1.0-py3-none-linux_x86_64.whl')]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('is consistent with the\nfollowing platform tag');
    expect(r.stderr).toBe('');
  });
});

describe('--json failures are JSON too', () => {
  it('usage errors commander finds (unknown option, missing or extra argument) print the JSON form too, exit 2', async () => {
    const schema = JSON.parse((await import('node:fs')).readFileSync(path.join(REPO, 'schemas', 'check.schema.json'), 'utf8')) as Record<string, unknown>;
    const { validate } = await import('../helpers/json-schema.js');
    const cases: [string[], string][] = [
      [['show', '--json', '--bogus', WITHFFI], "unknown option '--bogus'"],
      [['show', '--json'], "missing required argument 'WHEEL_FILE'"],
      [['-v', 'show', WITHFFI, WITHFFI, '--json'], "too many arguments for 'show'. Expected 1 argument but got 2."],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      expect(r.stderr).toContain(`error[USAGE]: ${message}`);
      const wheel = args.includes(WITHFFI) ? path.basename(WITHFFI) : '';
      expect(JSON.parse(r.stdout), args.join(' ')).toEqual({ version: 1, wheel, error: message });
    }
    for (const args of [['check', '--format', 'json', '--bogus', WITHFFI], ['check', '--format=json']]) {
      const r = await runCli(args);
      expect(r.code, args.join(' ')).toBe(2);
      const doc: unknown = JSON.parse(r.stdout);
      expect(doc).toMatchObject({ version: 1, error: { code: 'USAGE' } });
      expect(validate(doc, schema)).toEqual([]);
    }
    // Without JSON asked for, stdout stays empty.
    expect((await runCli(['show', '--bogus', WITHFFI])).stdout).toBe('');
    expect((await runCli(['check', '--format', 'text', '--bogus', WITHFFI])).stdout).toBe('');
  });

  it('show --json on a broken wheel: the reference error object on stdout, the error line on stderr, exit unchanged', async () => {
    const d = scratchDir();
    const p = path.join(d, 'x-1.0-py3-none-linux_x86_64.whl');
    (await import('node:fs')).writeFileSync(p, 'not a zip');
    const r = await runCli(['show', '--json', p]);
    expect(r.code).toBe(1);
    const j = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(j)).toEqual(['version', 'wheel', 'error']);
    expect(j).toMatchObject({ version: 1, wheel: 'x-1.0-py3-none-linux_x86_64.whl' });
    expect(r.stderr).toMatch(/^wheelaudit: error\[WHEEL_NOT_ZIP\]: /);
    const missing = await runCli(['show', '--json', 'missing.whl']);
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stdout)).toEqual({ version: 1, wheel: 'missing.whl', error: 'cannot access missing.whl. No such file' });
  });
});
