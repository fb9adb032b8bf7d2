// The command-line program: the commands it registers, --help listing every platform tag by
// architecture, usage errors (unknown command or option) as one error line with a hint and
// exit 2, -q and -v reaching the context, and a bug inside a command reported as exit 70.
import { describe, expect, it } from 'vitest';
import { buildProgram, EXIT_USAGE, platformTagsHelp, run } from '../../src/cli/main.js';
import { knownPlatformTags } from '../../src/policy/load.js';
import { captureContext } from '../helpers/cli-context.js';
import { wheel } from '../helpers/cli.js';

describe('buildProgram', () => {
  it('registers the five commands', () => {
    const names = buildProgram(captureContext(), () => undefined).commands.map((c) => c.name());
    expect(names.sort()).toEqual(['check', 'lddtree', 'patch-elf', 'repair', 'show']);
  });
});

describe('platformTagsHelp', () => {
  it('lists every known tag once, under its architecture, with its aliases', () => {
    const text = platformTagsHelp();
    const tags = knownPlatformTags();
    expect(tags.length).toBeGreaterThan(50);
    for (const t of tags) expect(text.split('\n').filter((l) => l.trim().split(' ')[0] === t.name), t.name).toHaveLength(1);
    expect(text).toContain('    manylinux_2_5_x86_64 (manylinux1_x86_64)');
    const archLines = text.split('\n').filter((l) => /^ {2}\S+:$/.test(l));
    expect(new Set(archLines).size).toBe(archLines.length);
  });
});

describe('run', () => {
  it('no arguments: the help, exit 0', async () => {
    const ctx = captureContext();
    expect(await run([], ctx)).toBe(0);
    expect(ctx.stdout()).toMatch(/^Usage: wheelaudit /);
  });

  it('an unknown command or option: one USAGE line with the right hint, exit 2, nothing on stdout', async () => {
    const a = captureContext();
    expect(await run(['frobnicate'], a)).toBe(EXIT_USAGE);
    expect(a.stderr()).toMatch(/^wheelaudit: error\[USAGE\]: unknown command 'frobnicate'\n {2}hint: see 'wheelaudit --help'\n$/);
    const b = captureContext();
    expect(await run(['show', '--no-such-flag', wheel('purepkg-0.1.0-py3-none-any.whl')], b)).toBe(EXIT_USAGE);
    expect(b.stderr()).toMatch(/^wheelaudit: error\[USAGE\]: unknown option '--no-such-flag'\n {2}hint: see 'wheelaudit show --help'\n$/);
    expect(a.stdout() + b.stdout()).toBe('');
  });

  it('-v and -q given before the command reach the context', async () => {
    const ctx = captureContext();
    expect(await run(['-v', '-v', '-q', 'show', wheel('symverold-0.1.0-cp311-cp311-linux_x86_64.whl')], ctx)).toBe(0);
    expect(ctx.verbose).toBe(2);
    expect(ctx.quiet).toBe(true);
    expect(ctx.stderr()).toBe('');
  });

  it('an error thrown by an output stream is reported as a bug (exit 70), with the stack', async () => {
    const ctx = captureContext();
    const broken = { ...ctx, out: (): void => {
      throw new TypeError('stdout exploded');
    } };
    expect(await run(['show', wheel('symverold-0.1.0-cp311-cp311-linux_x86_64.whl')], broken)).toBe(70);
    expect(ctx.stderr()).toMatch(/^wheelaudit: internal error \(this is a bug, please report it\): stdout exploded\nTypeError: stdout exploded\n/);
  });
});
