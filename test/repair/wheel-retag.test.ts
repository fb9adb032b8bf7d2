// Retagging a real fixture wheel: the filename and WHEEL Tag lines a repair gives, and the
// reference's log lines.
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWheel } from '../../src/analyze/load-wheel.js';
import { retagWheel } from '../../src/repair/wheel-retag.js';
import { FIXTURES } from '../helpers/corpus.js';

const DEMO = path.join(FIXTURES, 'wheels', 'demo-0.1.0-cp311-cp311-linux_x86_64.whl');

describe('retagWheel', () => {
  it('replaces linux_x86_64 by the target tags in the filename and in WHEEL', async () => {
    const wheel = await loadWheel(DEMO);
    const logs: string[] = [];
    const r = retagWheel(wheel, wheel.contents.name, ['manylinux_2_17_x86_64', 'manylinux2014_x86_64'], undefined, (m) => logs.push(m));
    expect(r.filename).toBe('demo-0.1.0-cp311-cp311-manylinux2014_x86_64.manylinux_2_17_x86_64.whl');
    const text = new TextDecoder().decode(r.wheelFile);
    expect(text.split('\n').filter((l) => l.startsWith('Tag: '))).toEqual(['Tag: cp311-cp311-manylinux_2_17_x86_64', 'Tag: cp311-cp311-manylinux2014_x86_64']);
    expect(text).toMatch(/^Wheel-Version: 1\.0\n/);
    expect(logs).toEqual([
      'Previous filename tags: linux_x86_64',
      'New filename tags: manylinux_2_17_x86_64, manylinux2014_x86_64',
      'Previous WHEEL info tags: cp311-cp311-linux_x86_64',
      'New WHEEL info tags: cp311-cp311-manylinux_2_17_x86_64, cp311-cp311-manylinux2014_x86_64',
    ]);
  });

  it('changes nothing when the wheel already has the tag', async () => {
    const wheel = await loadWheel(DEMO);
    const logs: string[] = [];
    const r = retagWheel(wheel, wheel.contents.name, ['linux_x86_64'], undefined, (m) => logs.push(m));
    expect(r.filename).toBe(path.basename(DEMO));
    expect(r.wheelFile).toBeUndefined();
    expect(logs).toContain('No filename tags change needed.');
    expect(logs).toContain('No WHEEL info change needed.');
  });
});
