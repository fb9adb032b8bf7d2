// check --format github: one ::error per failed claim or unreadable wheel and one ::warning per
// note, escaped by the runner's rules (checked by decoding them back), and the Markdown summary
// with one row per claim.
import { beforeAll, describe, expect, it } from 'vitest';
import { renderCheckGithub, renderCheckSummary } from '../../../src/cli/render/check-github.js';
import type { WheelOutcome } from '../../../src/cli/render/check-json.js';
import { CHECKED, checkOutcomes } from '../../helpers/check-outcomes.js';

let outcomes: { byName: Map<string, WheelOutcome>; all: WheelOutcome[] };
beforeAll(async () => {
  outcomes = await checkOutcomes();
});

/** Parse `::kind key=value,key=value::data`, undoing the runner's escapes. */
function parseCommand(line: string): { kind: string; props: Record<string, string>; data: string } {
  const m = /^::(\w+) ([^:]*)::(.*)$/.exec(line);
  if (m === null) throw new Error(`not a workflow command: ${line}`);
  const unescape = (s: string): string => s.replace(/%0A/g, '\n').replace(/%0D/g, '\r').replace(/%3A/g, ':').replace(/%2C/g, ',').replace(/%25/g, '%');
  const props = Object.fromEntries((m[2] as string).split(',').map((kv) => kv.split('=', 2).map(unescape) as [string, string]));
  return { kind: m[1] as string, props, data: unescape(m[3] as string) };
}

describe('renderCheckGithub', () => {
  it('one annotation per failed claim, unreadable wheel and note; nothing for passes', () => {
    const cmds = renderCheckGithub(outcomes.all).trimEnd().split('\n').map(parseCommand);
    expect(cmds.map((c) => [c.kind, c.props['title']])).toEqual([
      ['error', 'wheelaudit: manylinux_2_17_x86_64'],
      ['error', 'wheelaudit: any'],
      ['error', 'wheelaudit: cp38-abi3'],
      ['warning', 'wheelaudit'],
      ['error', 'wheelaudit: WHEEL_BAD_NAME'],
    ]);
    const tooNew = cmds[0];
    expect(tooNew?.props['file']).toMatch(new RegExp(`/${CHECKED.tooNew}$`));
    expect(tooNew?.data.split('\n')[0]).toBe('manylinux_2_17_x86_64 is not deserved');
    expect(tooNew?.data).toContain('\n- ');
    expect(tooNew?.data).toContain('\nrepair cannot fix this\nhint: ');
    expect(cmds[1]?.data).toMatch(/\nrepair fixes this: wheelaudit repair \S+ffitool-0\.1\.0-py3-none-any\.whl\n/);
    expect(renderCheckGithub([outcomes.byName.get(CHECKED.pass) as WheelOutcome])).toBe('');
  });

  it('escapes %, CR and LF in data, and also : and , in properties', () => {
    const out = renderCheckGithub([{ path: '/tmp/a,b:c%.whl', wheel: 'a,b:c%.whl', error: { code: 'WHEEL_NOT_ZIP', message: '100% broken\r\nline two: a, b' } }]);
    expect(out).toBe('::error file=/tmp/a%2Cb%3Ac%25.whl,title=wheelaudit%3A WHEEL_NOT_ZIP::100%25 broken%0D%0Aline two: a, b\n');
    const back = parseCommand(out.trimEnd());
    expect(back).toEqual({ kind: 'error', props: { file: '/tmp/a,b:c%.whl', title: 'wheelaudit: WHEEL_NOT_ZIP' }, data: '100% broken\r\nline two: a, b' });
  });
});

describe('renderCheckSummary', () => {
  it('a heading with the count, then one table row per claim, escaping pipes and newlines', () => {
    const md = renderCheckSummary(outcomes.all);
    const lines = md.trimEnd().split('\n');
    expect(lines[0]).toBe('### wheelaudit check: 4 of 6 wheels failed');
    expect(lines.slice(2, 4)).toEqual(['| wheel | tag | result | culprits |', '| --- | --- | --- | --- |']);
    const rows = lines.slice(4);
    const claims = outcomes.all.reduce((n, w) => n + ('checks' in w ? Math.max(1, w.checks.length) : 1), 0);
    expect(rows.length).toBe(claims);
    for (const r of rows) expect(r.split(/(?<!\\)\|/).length, r).toBe(6);
    expect(rows.find((r) => r.includes(CHECKED.tooNew))).toContain(':x: fail (repair cannot fix it)');
    expect(rows.find((r) => r.includes(CHECKED.pureElf))).toContain(':x: fail (repair fixes it)');
    expect(renderCheckSummary([outcomes.byName.get(CHECKED.pass) as WheelOutcome]).split('\n')[0]).toBe('### wheelaudit check: the wheel passed');
    const piped = renderCheckSummary([{ path: 'x', wheel: 'x.whl', error: { code: 'IO', message: 'a|b\nc' } }]);
    expect(piped).toContain('| `x.whl` | | :x: error | IO: a\\|b<br>c |');
  });
});
