// check as text: a line per wheel, the culprits and the way out for each failed claim, -q
// leaving out what passed, and suggested repair commands that a POSIX shell reads back as
// the same words.
import { Chalk } from 'chalk';
import { execFileSync } from 'node:child_process';
import { beforeAll, describe, expect, it } from 'vitest';
import type { TagCheck } from '../../../src/analyze/check.js';
import type { WheelOutcome } from '../../../src/cli/render/check-json.js';
import { renderCheckText, repairCommand } from '../../../src/cli/render/check-text.js';
import { CHECKED, checkOutcomes } from '../../helpers/check-outcomes.js';
import { needs, requireTool } from '../../helpers/requires.js';

const plain = new Chalk({ level: 0 });
let outcomes: { byName: Map<string, WheelOutcome>; all: WheelOutcome[] };
beforeAll(async () => {
  outcomes = await checkOutcomes();
});

const claim = (tag: string): TagCheck => ({ check: 'platform-tag', tag, claimedBy: ['filename'], status: 'fail', reason: undefined, blockers: [], repair: { fixes: true, blockers: [] } });

describe('repairCommand', () => {
  it('quotes only what needs quoting, and drops --plat for any', () => {
    expect(repairCommand(claim('manylinux_2_17_x86_64'), 'dist/x.whl')).toBe('wheelaudit repair --plat manylinux_2_17_x86_64 dist/x.whl');
    expect(repairCommand(claim('any'), 'dist/x.whl', ['--ldpaths', '/opt/lib'])).toBe('wheelaudit repair --ldpaths /opt/lib dist/x.whl');
  });

  it('a shell splits the command back into the same words', needs(requireTool('sh', 'dash')), () => {
    const weird = "my dir/it's $HOME `x` \\ \"q\".whl";
    const cmd = repairCommand(claim('manylinux_2_28_x86_64'), weird, ['--ldpaths', 'a b']);
    const words = execFileSync('sh', ['-c', `for w in ${cmd.replace(/^wheelaudit /, '')}; do printf '%s\\0' "$w"; done`], { encoding: 'utf8' }).split('\0').slice(0, -1);
    expect(words).toEqual(['repair', '--ldpaths', 'a b', '--plat', 'manylinux_2_28_x86_64', weird]);
  });
});

describe('renderCheckText', () => {
  it('one line per wheel, culprits and next steps under a failed claim, and a count', () => {
    const text = renderCheckText(outcomes.all, plain, false);
    const lines = text.trimEnd().split('\n');
    expect(lines[0]).toBe(`${CHECKED.pass}: pass (linux_x86_64)`);
    expect(text).toContain(`${CHECKED.tooNew}: fail\n  manylinux_2_17_x86_64 (--plat): fail\n    - `);
    expect(text).toMatch(/\n {4}repair cannot fix this\n {4}hint: rebuild in quay\.io\/pypa\//);
    expect(text).toContain(`${CHECKED.pureElf}: fail\n  any (filename, WHEEL): fail\n`);
    expect(text).toContain(`${CHECKED.noElf}: pass (any)\n  note: the wheel has no ELF file: its platform tags hold trivially\n`);
    expect(text).toContain('WHEEL_NOT_ZIP--text-file.whl: error (WHEEL_BAD_NAME)\n');
    expect(lines.at(-1)).toBe('4 of 6 wheels failed');
  });

  it('-q leaves out passing wheels, notes and the count when all passed; colour only when asked', () => {
    const q = renderCheckText(outcomes.all, plain, true);
    expect(q).not.toContain(CHECKED.pass);
    expect(q).not.toContain('note:');
    const passes = [outcomes.byName.get(CHECKED.pass), outcomes.byName.get(CHECKED.noElf)] as WheelOutcome[];
    expect(renderCheckText(passes, plain, true)).toBe('');
    expect(renderCheckText(passes, plain, false).trimEnd().split('\n').at(-1)).toBe('all 2 wheels passed');
    expect(renderCheckText([outcomes.byName.get(CHECKED.pass) as WheelOutcome], new Chalk({ level: 1 }), false)).toContain('\u001b[32mpass\u001b[39m');
  });
});
