// A usage error commander finds before a command runs still gives the one JSON document
// `show --json` and `check --format json` promise; the arguments are read as commander reads
// them (an option's value is not mistaken for a flag), and plain runs get no JSON.
import { describe, expect, it } from 'vitest';
import { buildProgram, run } from '../../src/cli/main.js';
import { usageErrorJson } from '../../src/cli/usage-json.js';
import { captureContext } from '../helpers/cli-context.js';
import { wheel } from '../helpers/cli.js';

const program = buildProgram(captureContext(), () => undefined);

describe('usageErrorJson', () => {
  it("show --json: auditwheel's error object naming the wheel's base name", () => {
    expect(JSON.parse(usageErrorJson(program, ['show', '--json', 'dist/x-1.0-py3-none-any.whl'], 'bad') ?? 'null')).toEqual({ version: 1, wheel: 'x-1.0-py3-none-any.whl', error: 'bad' });
  });

  it('check --format json (or --format=json): the check schema error form', () => {
    for (const argv of [['check', '--format', 'json', 'a.whl'], ['check', '--format=json', 'a.whl']]) {
      expect(JSON.parse(usageErrorJson(program, argv, 'bad') ?? 'null'), argv.join(' ')).toEqual({ version: 1, error: { code: 'USAGE', message: 'bad' } });
    }
  });

  it('no JSON asked for, no command, or a flag that is really an option value: undefined', () => {
    expect(usageErrorJson(program, ['show', 'x.whl'], 'bad')).toBeUndefined();
    expect(usageErrorJson(program, ['check', '--format', 'text', 'a.whl'], 'bad')).toBeUndefined();
    expect(usageErrorJson(program, ['--verbose'], 'bad')).toBeUndefined();
    expect(usageErrorJson(program, ['frobnicate', '--json'], 'bad')).toBeUndefined();
    expect(usageErrorJson(program, ['show', '--ldpaths', '--json', 'x.whl'], 'bad')).toBeUndefined();
  });
});

describe('through run()', () => {
  it('show --json with an unknown option: the JSON error on stdout, the error line on stderr, exit 2', async () => {
    const ctx = captureContext();
    expect(await run(['show', '--json', '--bogus', wheel('symverold-0.1.0-cp311-cp311-linux_x86_64.whl')], ctx)).toBe(2);
    expect(JSON.parse(ctx.stdout())).toMatchObject({ version: 1, wheel: 'symverold-0.1.0-cp311-cp311-linux_x86_64.whl', error: expect.stringContaining('--bogus') as string });
    expect(ctx.stderr()).toMatch(/^wheelaudit: error\[USAGE\]: unknown option '--bogus'/);
  });
});
