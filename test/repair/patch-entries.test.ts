// Patching for repair with the real editor on a real host library: the changed entry holds the
// patched library (readelf sees the new SONAME), with the graft's mode; the 'none' patcher is
// refused when anything needs patching.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { RepairError } from '../../src/errors.js';
import { changedEntries } from '../../src/repair/changed-entries.js';
import { gatherSources } from '../../src/repair/host-files.js';
import { fileMode, patchEntries } from '../../src/repair/patch-entries.js';
import { nativePatcher } from '../../src/repair/patcher.js';
import type { RepairPlan } from '../../src/repair/plan.js';
import { openWheelZip } from '../../src/wheel/zip-read.js';
import { FIXTURES } from '../helpers/corpus.js';
import { needs, requireAll, requireFile, requireTool } from '../helpers/requires.js';

const LIB = '/lib/x86_64-linux-gnu/libm.so.6';
const DEMO = path.join(FIXTURES, 'wheels', 'demo-0.1.0-cp311-cp311-linux_x86_64.whl');
const canRun = requireAll(requireFile(LIB, 'libc6'), requireTool('readelf', 'binutils'));

function planFor(entry: string): RepairPlan {
  const source = gatherSources([LIB]).get(LIB);
  if (source === undefined) throw new Error('no source');
  return {
    libDir: 'demo.libs',
    grafts: [{ soname: 'libm.so.6', newName: path.basename(entry), entry, source, ops: [{ kind: 'set-soname', soname: path.basename(entry) }] }],
    elves: [],
    strip: [],
    sbomSources: [LIB],
    logs: [],
  };
}

describe('patchEntries', () => {
  it('grafts a host library patched by the editor, deflated, with its RECORD row and mode', needs(canRun), async () => {
    const entry = 'demo.libs/libm-0123abcd.so.6';
    const zip = await openWheelZip(DEMO);
    const changed = changedEntries(6, 2);
    const progress: number[] = [];
    try {
      await patchEntries({ zip, plan: planFor(entry), patcher: nativePatcher, changed, info: () => undefined, onProgress: (p) => progress.push(p.done), filename: 'demo.whl' });
    } finally {
      await zip.close();
    }
    const c = changed.entries.get(entry);
    expect(c?.mode).toBe(0o100000 | (fs.statSync(LIB).mode & 0o777) | 0o200);
    const out = inflateRawSync((await c?.deflated)?.data ?? new Uint8Array(0));
    expect(c?.row?.size).toBe(String(out.length));
    const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-patch-'));
    try {
      fs.writeFileSync(path.join(tmp, 'lib.so'), out);
      const dyn = execFileSync('readelf', ['-d', path.join(tmp, 'lib.so')], { encoding: 'utf8' });
      expect(dyn).toMatch(/\(SONAME\)\s+Library soname: \[libm-0123abcd\.so\.6\]/);
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
    expect(progress).toEqual([1]);
  });

  it("refuses the 'none' patcher when a library must be grafted, naming it", needs(canRun), async () => {
    const zip = await openWheelZip(DEMO);
    try {
      const err = await patchEntries({ zip, plan: planFor('demo.libs/libm-1.so.6'), patcher: 'none', changed: changedEntries(6, 1), info: () => undefined, filename: 'demo.whl' }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(RepairError);
      expect((err as RepairError).code).toBe('REPAIR_PATCHER');
      expect((err as Error).message).toBe("the 'none' patcher can't patch the following files: demo.libs/libm-1.so.6");
    } finally {
      await zip.close();
    }
  });

  it('fileMode: regular file, owner read-write always, 0644 when no mode was recorded', () => {
    expect(fileMode(undefined)).toBe(0o100644);
    expect(fileMode({ mode: 0 })).toBe(0o100644);
    expect(fileMode({ mode: 0o100555 })).toBe(0o100755);
    expect(fileMode({ mode: 0o100400 })).toBe(0o100600);
  });
});
