// applyRepair: carry out a RepairPlan. Retags the wheel (wheel-retag.ts), strips and patches
// ELF files in memory (patch-entries.ts; the host libraries are read by host-files.ts), adds
// the SBOM, rewrites RECORD and writes the new wheel in one go (output-entries.ts, then the zip
// writer: temporary name, then rename). Entries that did not change are copied as stored,
// without recompressing; the input wheel is never touched.
import { statSync } from 'node:fs';
import { archiveListing, type LoadedWheel } from '../analyze/load-wheel.js';
import type { LogRecord } from '../analyze/report.js';
import { RepairError } from '../errors.js';
import { jobLimit } from '../util/jobs.js';
import type { ProgressSink } from '../util/progress.js';
import { walkOrder } from '../wheel/walk-order.js';
import { openWheelZip, reopenWheelZip, type WheelEntry, type WheelZip } from '../wheel/zip-read.js';
import { writeZip } from '../wheel/zip-write.js';
import { withPythonTag } from './abi3-retag.js';
import { taskQueue } from '../util/task-queue.js';
import { backlog } from '../wheel/chunked-deflate.js';
import { changedEntries, type ChangedEntries } from './changed-entries.js';
import { imagePool } from './image-pool.js';
import { recordBytes, sbomText, zipItems } from './output-entries.js';
import type { OwnerLookup } from './package-owner.js';
import { BACKLOG_CAP, fileMode, patchJobs, runPatchJobs, type PatchJob, type PatchRun } from './patch-entries.js';
import type { ElfPatcher } from './patcher.js';
import type { RepairPlan } from './plan.js';
import { retagWheel } from './wheel-retag.js';

export { gatherSources, hashFile } from './host-files.js';
export { fileMode } from './patch-entries.js';

export interface ApplyOptions {
  readonly outDir: string;
  readonly abis: readonly string[];
  readonly updateTags: boolean;
  readonly level: number;
  readonly timestamp: Date | undefined;
  readonly patcher: ElfPatcher | 'none';
  readonly owners: OwnerLookup | undefined;
  readonly tool: { readonly name: string; readonly version: string };
  /** The input wheel: the output must never replace it. */
  readonly inputPath: string;
  /** A new python tag for an abi3 wheel that needs a newer stable ABI (abi3-retag.ts). */
  readonly abi3PythonTag?: string | undefined;
  /** Told as ELF files are patched and as the output is written. */
  readonly onProgress?: ProgressSink | undefined;
}

export interface ApplyResult {
  readonly outputPath: string;
  readonly filename: string;
  readonly logs: readonly LogRecord[];
}

/**
 * Without SOURCE_DATE_EPOCH the reference stamps entries with "now"; we take the newest
 * timestamp already in the input, so the same input always gives the same bytes.
 */
export function newestEntryTime(entries: readonly WheelEntry[]): Date {
  let best = 0;
  for (const e of entries) {
    const d = e.lastModDate;
    const t = e.lastModTime;
    const ms = Date.UTC((d >> 9) + 1980, ((d >> 5) & 15) - 1, d & 31, t >> 11, (t >> 5) & 63, (t & 31) * 2);
    if (Number.isFinite(ms) && ms > best) best = ms;
  }
  return new Date(Math.max(best, Date.UTC(1980, 0, 1)));
}

/** True when both paths name the same existing file. */
export function sameFile(a: string, b: string): boolean {
  try {
    const sa = statSync(a);
    const sb = statSync(b);
    return sa.ino === sb.ino && sa.dev === sb.dev;
  } catch {
    return false;
  }
}

/**
 * Bytes of library images (read, patched in place, deflating) in flight at once. The largest
 * graft seen (libLLVM, 110 MB) fits beside a second library, so the next one is read and
 * patched while the one before it deflates.
 */
const IMAGE_BUDGET = 192 * 1024 * 1024;

export async function applyRepair(wheel: LoadedWheel, plan: RepairPlan, o: ApplyOptions): Promise<ApplyResult> {
  const logs: LogRecord[] = [];
  const info = (message: string): void => {
    logs.push({ level: 'info', message });
  };
  const name = o.abi3PythonTag === undefined ? wheel.contents.name : withPythonTag(wheel.contents.name, o.abi3PythonTag);
  const distInfo = wheel.distInfo;
  // The listing checked when the wheel was read, when there is one: not read and checked again.
  const listing = archiveListing(wheel);
  const zip = listing === undefined ? await openWheelZip(wheel.path) : await reopenWheelZip(listing);
  try {
    const changed = changedEntries();
    let filename = name.filename;
    if (o.updateTags) {
      const retagged = retagWheel(wheel, name, o.abis, o.abi3PythonTag, info);
      filename = retagged.filename;
      if (retagged.wheelFile !== undefined) changed.small(`${distInfo}/WHEEL`, retagged.wheelFile, fileMode(zip.entry(`${distInfo}/WHEEL`)));
    }
    const outputPath = `${o.outDir}/${filename}`;
    const { jobs, shims } = patchJobs({ zip, plan, patcher: o.patcher, filename: name.filename });
    if (sameFile(outputPath, o.inputPath)) {
      throw new RepairError('REPAIR_REFUSED', `the repaired wheel would replace the input ${o.inputPath}`, { hint: 'write it elsewhere with -w DIR' });
    }
    for (const s of shims) changed.small(s.name, s.data, s.mode);
    const sbomName = `${distInfo}/sboms/auditwheel.cdx.json`;
    const hasSbom = plan.grafts.length > 0 && o.owners !== undefined;
    const order = outputOrder(zip, distInfo, [...changed.entries.keys(), ...jobs.map((j) => j.name), ...(hasSbom ? [sbomName] : [])]);
    const sorted = inOrder(jobs, order);
    let stopped = false;
    let stop: () => void = () => undefined;
    const stopping = new Promise<void>((resolve) => {
      stop = resolve;
    });
    const recordAt = order.indexOf(`${distInfo}/RECORD`);
    const run = runPatchJobs(sorted, {
      patcher: o.patcher,
      changed,
      pool: imagePool(IMAGE_BUDGET),
      queue: taskQueue(jobLimit()),
      level: o.level,
      info,
      onProgress: o.onProgress,
      stopped: () => stopped,
      stopping,
      backlog: backlog(),
      ungatedFrom: firstAfter(sorted, order, recordAt),
      backlogCap: BACKLOG_CAP,
    });
    try {
      // The package manager runs for the SBOM while the last libraries deflate.
      if (hasSbom) {
        const sbom = run.submitted.then(() => new TextEncoder().encode(sbomText(plan, o.owners, { name: name.distribution, version: name.version, filename }, o.tool) ?? ''));
        changed.later(sbomName, sbom, 0o100644);
      }
      await writeOutput(outputPath, wheel, zip, changed, order, run, o);
    } catch (e) {
      stopped = true;
      stop();
      throw e;
    } finally {
      await run.settled;
    }
    return { outputPath, filename, logs };
  } finally {
    await zip.close();
  }
}

/** The index of the first job whose entry comes after position `at` of `order` (jobs.length if none). */
function firstAfter(jobs: readonly PatchJob[], order: readonly string[], at: number): number {
  const after = new Set(order.slice(at + 1));
  const i = jobs.findIndex((j) => after.has(j.name));
  return i < 0 ? jobs.length : i;
}

/** The jobs in the order their entries appear in `order` (one pass; no map of every entry). */
function inOrder(jobs: readonly PatchJob[], order: readonly string[]): PatchJob[] {
  const byName = new Map(jobs.map((j) => [j.name, j]));
  const out: PatchJob[] = [];
  for (const p of order) {
    const j = byName.get(p);
    if (j !== undefined) out.push(j);
  }
  return out;
}

/** Every file of the output in the reference's order (RECORD last in the dist-info), with directories. */
function outputOrder(zip: WheelZip, distInfo: string, changedNames: readonly string[]): string[] {
  const recordName = `${distInfo}/RECORD`;
  const inputFiles = zip.entries.filter((e) => !e.isDirectory && e.name !== recordName && e.name !== `${distInfo}/RECORD.jws`);
  const paths = new Set([...inputFiles.map((e) => e.name), ...changedNames, recordName]);
  return walkOrder([...paths], distInfo);
}

/** RECORD (made once every row is known), then the whole zip in `order`. */
async function writeOutput(outputPath: string, wheel: LoadedWheel, zip: WheelZip, changed: ChangedEntries, order: readonly string[], run: PatchRun, o: ApplyOptions): Promise<void> {
  const recordName = `${wheel.distInfo}/RECORD`;
  const record = run.submitted.then(() => recordBytes(order, recordName, changed.entries, wheel.digests, wheel.contents.name.filename));
  changed.later(recordName, record, fileMode(zip.entry(recordName)));
  const items = await zipItems(order, changed.entries, zip);
  await writeZip(outputPath, items, { level: o.level, timestamp: o.timestamp ?? newestEntryTime(zip.entries), onProgress: o.onProgress, concurrency: jobLimit() });
  await run.submitted;
}
