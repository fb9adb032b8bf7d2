// runCheck: every argument checked before any wheel is read, a bad --plat or --format refused,
// exit 0 only when every wheel passes, an unreadable wheel reported and counted as a failure.
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCheck } from '../../../src/cli/commands/check.js';
import { captureContext } from '../../helpers/cli-context.js';
import { wheel } from '../../helpers/cli.js';
import { FIXTURES } from '../../helpers/corpus.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-check-cmd-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
const PASS = wheel('symverold-0.1.0-cp311-cp311-linux_x86_64.whl');

describe('runCheck', () => {
  it('exit 0 when every wheel passes, 1 when one fails; the text report names each', async () => {
    const ok = captureContext();
    expect(await runCheck(ok, [PASS], { format: 'text' })).toBe(0);
    expect(ok.stdout()).toBe('symverold-0.1.0-cp311-cp311-linux_x86_64.whl: pass (linux_x86_64)\n');
    const mixed = captureContext();
    expect(await runCheck(mixed, [PASS, wheel('glibcnew-0.1.0-cp311-cp311-linux_x86_64.whl')], { format: 'text', plat: 'manylinux_2_17_x86_64' })).toBe(1);
    expect(mixed.stdout().trimEnd().split('\n').at(-1)).toBe('1 of 2 wheels failed');
  });

  it('refuses a bad --plat, auto, or a bad --format before reading anything', async () => {
    await expect(runCheck(captureContext(), [PASS], { format: 'text', plat: 'manylinux_9_9_x86_64' })).rejects.toMatchObject({ code: 'USAGE', message: "option --plat: invalid platform tag 'manylinux_9_9_x86_64'" });
    await expect(runCheck(captureContext(), [PASS], { format: 'text', plat: 'auto' })).rejects.toMatchObject({ code: 'USAGE' });
    await expect(runCheck(captureContext(), [PASS], { format: 'yaml' })).rejects.toMatchObject({ code: 'USAGE', message: "option --format: invalid format 'yaml' (choose from text, json, github)" });
    await expect(runCheck(captureContext(), [PASS, '/nonexistent/y-1.0-py3-none-any.whl'], { format: 'text' })).rejects.toMatchObject({ code: 'USAGE' });
  });

  it('an unreadable wheel: an error line naming it, a failed entry in the JSON document, exit 1', async () => {
    const broken = path.join(tmp, 'x-1.0-py3-none-any.whl');
    copyFileSync(path.join(FIXTURES, 'malformed', 'WHEEL_NOT_ZIP--text-file.whl'), broken);
    const ctx = captureContext();
    expect(await runCheck(ctx, [PASS, broken], { format: 'json' })).toBe(1);
    expect(ctx.stderr()).toMatch(/^wheelaudit: error\[WHEEL_NOT_ZIP\]: .*x-1\.0-py3-none-any\.whl/m);
    const doc = JSON.parse(ctx.stdout()) as { passed: boolean; wheels: { passed: boolean; error?: { code: string } }[] };
    expect(doc.passed).toBe(false);
    expect(doc.wheels.map((w) => [w.passed, w.error?.code])).toEqual([
      [true, undefined],
      [false, 'WHEEL_NOT_ZIP'],
    ]);
  });

  it('--format github appends the step summary to $GITHUB_STEP_SUMMARY', async () => {
    const summary = path.join(tmp, 'summary.md');
    const ctx = captureContext({ env: { GITHUB_STEP_SUMMARY: summary } });
    expect(await runCheck(ctx, [PASS], { format: 'github' })).toBe(0);
    expect(ctx.stdout()).toBe('');
    expect(readFileSync(summary, 'utf8')).toMatch(/^### wheelaudit check: the wheel passed\n/);
  });
});
