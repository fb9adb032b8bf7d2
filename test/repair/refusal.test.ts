// A refusal carries its target tag and blockers: a real one from repairing glibcnew (GLIBC_2.36)
// to manylinux_2_17, which the CLI prints with its culprits and exit code 2.
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { RepairError, WheelauditError } from '../../src/errors.js';
import { repair } from '../../src/index.js';
import { RefusalError } from '../../src/repair/refusal.js';
import { wheel } from '../helpers/cli.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-refusal-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('RefusalError', () => {
  it('is a RepairError with a code, the target tag and the blockers', () => {
    const e = new RefusalError('REPAIR_REFUSED', 'no', 'manylinux_2_17_x86_64', [{ kind: 'pyfpe', file: 'x.so' }], { hint: 'h' });
    expect(e).toBeInstanceOf(RepairError);
    expect(e).toBeInstanceOf(WheelauditError);
    expect([e.name, e.code, e.message, e.target, e.blockers, e.hint]).toEqual(['RepairError', 'REPAIR_REFUSED', 'no', 'manylinux_2_17_x86_64', [{ kind: 'pyfpe', file: 'x.so' }], 'h']);
  });

  it('is what repair throws for a too-old target, naming the symbol version, and nothing is written', async () => {
    const out = path.join(tmp, 'out');
    const e = await repair(wheel('glibcnew-0.1.0-cp311-cp311-linux_x86_64.whl'), { plat: 'manylinux_2_17_x86_64', wheelDir: out }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(RefusalError);
    const r = e as RefusalError;
    expect(r.code).toBe('REPAIR_REFUSED');
    expect(r.target).toBe('manylinux_2_17_x86_64');
    expect(r.message).toMatch(/^cannot repair ".*glibcnew-0\.1\.0-cp311-cp311-linux_x86_64\.whl" to "manylinux_2_17_x86_64" ABI because of the presence of too-recent versioned symbols/);
    expect(r.blockers).toContainEqual(expect.objectContaining({ kind: 'symbol-version', library: 'libc.so.6', version: 'GLIBC_2.36' }));
    let written: string[] = [];
    try {
      written = readdirSync(out);
    } catch {
      written = [];
    }
    expect(written).toEqual([]);
  });
});
