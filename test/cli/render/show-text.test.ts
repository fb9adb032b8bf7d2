// The show text report, paragraph for paragraph as the reference prints it: checked against
// the reviewed golden files of host-independent fixtures, for the early stops (PyFPE, UCS2,
// ISA, symbol versions) and -v continuing past them, lines wrapped at 70, colour only on request.
import { Chalk } from 'chalk';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderShowText } from '../../../src/cli/render/show-text.js';
import { platformAudit } from '../../helpers/audit-fixture.js';
import { FIXTURES } from '../../helpers/corpus.js';

const plain = new Chalk({ level: 0 });
const golden = (f: string): string => readFileSync(path.join(FIXTURES, 'golden', f), 'utf8');

describe('renderShowText', () => {
  it.each(['symverold', 'fpe', 'glibcnew', 'isav3', 'zblack'])('%s: the golden text, plain and -v', async (name) => {
    const r = (await platformAudit(`${name}-0.1.0-cp311-cp311-linux_x86_64.whl`)).report;
    expect(renderShowText(r, false, plain)).toBe(golden(`${name}.show.txt`));
    // The verbose golden ends with the culprits section (show-culprits.ts), which follows this text.
    expect(golden(`${name}.show-v.txt`).startsWith(renderShowText(r, true, plain))).toBe(true);
  });

  it('stops after the first failing check unless verbose', async () => {
    const r = (await platformAudit('fpe-0.1.0-cp311-cp311-linux_x86_64.whl')).report;
    expect(renderShowText(r, false, plain)).not.toContain('versioned symbols');
    expect(renderShowText(r, true, plain)).toContain('The wheel references external versioned symbols');
    const u = (await platformAudit('ucs2-0.1.0-cp27-cp27m-linux_x86_64.whl')).report;
    expect(renderShowText(u, false, plain).trim().split('\n\n').at(-1)?.replace(/\s+/g, ' ')).toMatch(/^This wheel is compiled against a narrow unicode \(UCS2\) version of Python/);
  });

  it('no line is longer than 70 characters except an unbreakable word', async () => {
    const r = (await platformAudit('zblack-0.1.0-cp311-cp311-linux_x86_64.whl')).report;
    const lines = renderShowText(r, true, plain).split('\n');
    expect(lines.length).toBeGreaterThan(20);
    for (const l of lines) if (l.includes(' ')) expect(l.length, l).toBeLessThanOrEqual(70);
  });

  it('bolds the tag only with colour, without moving line breaks', async () => {
    const r = (await platformAudit('symverold-0.1.0-cp311-cp311-linux_x86_64.whl')).report;
    const coloured = renderShowText(r, false, new Chalk({ level: 1 }));
    expect(coloured).toContain('\u001b[1m"manylinux_2_5_x86_64"\u001b[22m');
    expect(coloured.replace(new RegExp('\u001b\\[\\d+m', 'g'), '')).toBe(renderShowText(r, false, plain));
  });
});
