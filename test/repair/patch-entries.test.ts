// The patch pipeline with the real editor on real host libraries: each changed library becomes
// a slot holding its RECORD row and a deflate stream of the patched bytes (readelf sees the new
// SONAME), with the graft's mode; patching in the pooled buffer gives the same bytes as the
// editor writing a fresh copy; the first failing library fails its own slot and every later
// one while the earlier ones are delivered; the 'none' patcher is refused when anything needs
// patching.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { inflateRawSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { applyElfEdit } from '../../src/elf/write.js';
import { RepairError } from '../../src/errors.js';
import { changedEntries } from '../../src/repair/changed-entries.js';
import { gatherSources } from '../../src/repair/host-files.js';
import { capacityFor, imagePool } from '../../src/repair/image-pool.js';
import { fileMode, patchJobs, runPatchJobs, type PatchJob } from '../../src/repair/patch-entries.js';
import { nativePatcher } from '../../src/repair/patcher.js';
import { closeSparse, readSparse } from '../../src/repair/sparse-graft.js';
import type { GraftSource, RepairPlan } from '../../src/repair/plan.js';
import { taskQueue } from '../../src/util/task-queue.js';
import { backlog } from '../../src/wheel/chunked-deflate.js';
import type { StreamedContent } from '../../src/wheel/zip-write.js';
import { openWheelZip } from '../../src/wheel/zip-read.js';
import { FIXTURES } from '../helpers/corpus.js';
import { needs, requireAll, requireFile, requireTool } from '../helpers/requires.js';

const LIBM = '/lib/x86_64-linux-gnu/libm.so.6';
const LIBZ = '/lib/x86_64-linux-gnu/libz.so.1';
const LIBSTDCXX = '/lib/x86_64-linux-gnu/libstdc++.so.6';
const DEMO = path.join(FIXTURES, 'wheels', 'demo-0.1.0-cp311-cp311-linux_x86_64.whl');
const canRun = requireAll(requireFile(LIBM, 'libc6'), requireFile(LIBZ, 'zlib1g'), requireTool('readelf', 'binutils'));
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

function source(lib: string): GraftSource {
  const s = gatherSources([lib]).get(lib);
  if (s === undefined) throw new Error(`no source for ${lib}`);
  return s;
}

interface Graft {
  readonly lib: string;
  readonly entry: string;
}

function planFor(grafts: readonly Graft[]): RepairPlan {
  return {
    libDir: 'demo.libs',
    grafts: grafts.map(({ lib, entry }) => ({ soname: path.basename(lib), newName: path.basename(entry), entry, source: source(lib), ops: [{ kind: 'set-soname', soname: path.basename(entry) }] })),
    elves: [],
    strip: [],
    sbomSources: grafts.map((g) => g.lib),
    logs: [],
  };
}

async function inflated(c: StreamedContent): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const p of c.pieces) parts.push(p);
  return inflateRawSync(Buffer.concat(parts));
}

function run(jobs: readonly PatchJob[], budget = 64 << 20, backlogCap = 64 << 20, sparseFrom?: number) {
  const changed = changedEntries();
  const progress: number[] = [];
  const pending = backlog();
  const r = runPatchJobs(jobs, {
    patcher: nativePatcher,
    changed,
    pool: imagePool(budget),
    queue: taskQueue(2),
    level: 6,
    info: () => undefined,
    onProgress: (p) => progress.push(p.done),
    stopped: () => false,
    stopping: new Promise<void>(() => undefined),
    backlog: pending,
    ungatedFrom: jobs.length,
    backlogCap,
    sparseFrom,
  });
  return { changed, progress, pending, ...r };
}

/** libm, libz, libm again: two libraries of different sizes, one of them twice. */
const THREE: readonly Graft[] = [
  { lib: LIBM, entry: 'demo.libs/libm-1.so.6' },
  { lib: LIBZ, entry: 'demo.libs/libz-2.so.1' },
  { lib: LIBM, entry: 'demo.libs/libm-3.so.6' },
];

/** The native patcher's jobs for `grafts` into the demo wheel, handed to `body` while the wheel is open. */
async function withJobs(grafts: readonly Graft[], body: (jobs: PatchJob[]) => Promise<void>): Promise<void> {
  const zip = await openWheelZip(DEMO);
  try {
    await body(patchJobs({ zip, plan: planFor(grafts), patcher: nativePatcher, filename: 'demo.whl' }).jobs);
  } finally {
    await zip.close();
  }
}

describe('the patch pipeline', () => {
  it('grafts a host library patched in place, deflated in pieces, with its RECORD row and mode', needs(canRun), async () => {
    const entry = 'demo.libs/libm-0123abcd.so.6';
    await withJobs([{ lib: LIBM, entry }], async (jobs) => {
      const r = run(jobs);
      await r.submitted;
      const c = r.changed.entries.get(entry);
      expect(c?.mode).toBe(0o100000 | (fs.statSync(LIBM).mode & 0o777) | 0o200);
      const out = await inflated(await (c?.stream as Promise<StreamedContent>));
      const row = await c?.row;
      expect(row?.size).toBe(String(out.length));
      expect(row?.hash).toBe(`sha256=${createHash('sha256').update(out).digest('base64url')}`);
      // The same bytes as the editor writing a fresh copy of the library.
      const fresh = applyElfEdit(new Uint8Array(fs.readFileSync(LIBM)), [{ kind: 'set-soname', soname: path.basename(entry) }]).bytes;
      expect(sha(out)).toBe(sha(fresh));
      const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-patch-'));
      try {
        fs.writeFileSync(path.join(tmp, 'lib.so'), out);
        const dyn = execFileSync('readelf', ['-d', path.join(tmp, 'lib.so')], { encoding: 'utf8' });
        expect(dyn).toMatch(/\(SONAME\)\s+Library soname: \[libm-0123abcd\.so\.6\]/);
      } finally {
        fs.rmSync(tmp, { recursive: true, force: true });
      }
      await r.settled;
      expect(r.progress).toEqual([1]);
    });
  });

  it('streams a library read without its code and data: the same bytes and RECORD row as a whole read', needs(canRun, requireFile(LIBSTDCXX, 'libstdc++6')), async () => {
    const grafts: readonly Graft[] = [
      { lib: LIBSTDCXX, entry: 'demo.libs/libstdc++-1.so.6' },
      { lib: LIBZ, entry: 'demo.libs/libz-2.so.1' },
    ];
    // libstdc++ is mostly code and data, which the sparse run leaves unread; libz is read whole.
    const split = readSparse(LIBSTDCXX, new Uint8Array(capacityFor(fs.statSync(LIBSTDCXX).size)), 0);
    expect(split?.bodies.length).toBeGreaterThan(0);
    if (split !== undefined) closeSparse(split);
    await withJobs(grafts, async (jobs) => {
      const whole = run(jobs);
      const sparse = run(jobs, 64 << 20, 64 << 20, 0);
      await Promise.all([whole.settled, sparse.settled]);
      for (const g of grafts) {
        const [a, b] = await Promise.all([whole, sparse].map(async (r) => inflated(await (r.changed.entries.get(g.entry)?.stream as Promise<StreamedContent>))));
        expect(sha(b ?? Buffer.alloc(0)), g.lib).toBe(sha(a ?? Buffer.alloc(0)));
        expect(await sparse.changed.entries.get(g.entry)?.row).toEqual(await whole.changed.entries.get(g.entry)?.row);
      }
      expect(sparse.pending.bytes).toBe(0);
    });
  });

  it('reuses buffers within the budget: a library waits until the one before it has deflated', needs(canRun), async () => {
    await withJobs(THREE, async (jobs) => {
      // A budget below two libraries: one at a time, each in the buffer the one before freed.
      const r = run(jobs, 1);
      await r.settled;
      const outs = await Promise.all(THREE.map(async (g) => inflated(await (r.changed.entries.get(g.entry)?.stream as Promise<StreamedContent>))));
      expect(sha(outs[0] ?? Buffer.alloc(0))).not.toBe(sha(outs[2] ?? Buffer.alloc(0)));
      expect(outs[0]?.length).toBe(outs[2]?.length);
      expect(r.progress).toEqual([1, 2, 3]);
    });
  });

  it('starts the next library only once the writer has taken the deflated output waiting for it', needs(canRun), async () => {
    await withJobs(THREE.slice(0, 2), async (jobs) => {
      const r = run(jobs, 64 << 20, 0);
      const first = await (r.changed.entries.get('demo.libs/libm-1.so.6')?.stream as Promise<StreamedContent>);
      let secondStarted = false;
      void r.changed.entries.get('demo.libs/libz-2.so.1')?.stream?.then(() => (secondStarted = true));
      // Nobody takes libm's pieces: once they are deflated, libz still waits.
      await new Promise((resolve) => setTimeout(resolve, 300));
      expect(r.pending.bytes).toBeGreaterThan(0);
      expect(secondStarted).toBe(false);
      const out = await inflated(first);
      expect(out.length).toBeGreaterThan(0);
      await r.submitted;
      expect(secondStarted).toBe(true);
      await inflated(await (r.changed.entries.get('demo.libs/libz-2.so.1')?.stream as Promise<StreamedContent>));
      expect(r.pending.bytes).toBe(0);
      await r.settled;
    });
  });

  it('the first failure fails its slot and every later one; earlier ones are delivered', needs(canRun), async () => {
    await withJobs(THREE, async (jobs) => {
      const broken: PatchJob = { ...(jobs[1] as PatchJob), load: () => Promise.reject(new RepairError('REPAIR_IO', 'cannot read library libz: gone')) };
      const r = run([jobs[0] as PatchJob, broken, jobs[2] as PatchJob]);
      await expect(r.submitted).rejects.toThrow('cannot read library libz: gone');
      await r.settled;
      expect((await r.changed.entries.get('demo.libs/libm-1.so.6')?.row)?.path).toBe('demo.libs/libm-1.so.6');
      await expect(r.changed.entries.get('demo.libs/libz-2.so.1')?.stream).rejects.toThrow('gone');
      await expect(r.changed.entries.get('demo.libs/libm-3.so.6')?.stream).rejects.toThrow('gone');
    });
  });

  it("refuses the 'none' patcher when a library must be grafted, naming it", needs(canRun), async () => {
    const zip = await openWheelZip(DEMO);
    try {
      const err = (() => {
        try {
          patchJobs({ zip, plan: planFor([{ lib: LIBM, entry: 'demo.libs/libm-1.so.6' }]), patcher: 'none', filename: 'demo.whl' });
          return undefined;
        } catch (e) {
          return e;
        }
      })();
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
