// applyRepair: carry out a RepairPlan. Reads the input wheel's entries and the libraries to
// graft, strips and patches ELF files in memory, rewrites WHEEL and RECORD, adds the SBOM, and
// writes the new wheel in one go (temporary name, then rename). Entries that did not change are
// copied as stored, without recompressing; the input wheel is never touched.
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import type { LoadedWheel } from '../analyze/load-wheel.js';
import { parseElf } from '../elf/index.js';
import { stripElf } from '../elf/strip.js';
import type { AuditReport, LogRecord } from '../analyze/report.js';
import { describeError, InternalError, RepairError, WheelFormatError } from '../errors.js';
import { MAX_WHEEL_FILE_SIZE, retaggedWheelSize, serializeWheelMetadata, updateWheelTags } from '../wheel/metadata.js';
import { wheelPlatforms, withPlatformTags } from '../wheel/name.js';
import { linuxTagsReplacedBy } from '../policy/tags.js';
import { recordRowFor, serializeRecord, type RecordRow } from '../wheel/record.js';
import { walkOrder } from '../wheel/walk-order.js';
import { openWheelZip, type WheelEntry } from '../wheel/zip-read.js';
import { deflateData, writeZip, type DeflatedData, type ZipWriteItem } from '../wheel/zip-write.js';
import type { OwnerLookup } from './package-owner.js';
import type { ElfPatcher } from './patcher.js';
import type { GraftSource, RepairPlan } from './plan.js';
import { withAbi3PythonTag, withPythonTag } from './abi3-retag.js';
import { buildSbom } from './sbom.js';
import type { ProgressSink } from '../util/progress.js';

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

const REGULAR = 0o100000;

/** The mode an entry gets when extracted and re-zipped by the reference: owner rw always. */
export function fileMode(entry: WheelEntry | undefined): number {
  const m = entry?.mode ?? 0;
  return REGULAR | (m === 0 ? 0o644 : (m & 0o777) | 0o600);
}

/** The bytes of a host file as a plain Uint8Array view (no copy; a Buffer's slice() would alias). */
function readBytes(p: string): Uint8Array {
  const b = readFileSync(p);
  return new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
}

/** Read a whole file into `scratch` (large enough), returning the filled view. */
function readInto(p: string, scratch: Uint8Array): Uint8Array {
  const fd = openSync(p, 'r');
  try {
    let n = 0;
    for (;;) {
      const got = readSync(fd, scratch, n, scratch.length - n, n);
      if (got <= 0) break;
      n += got;
    }
    return scratch.subarray(0, n);
  } catch (e) {
    throw new RepairError('REPAIR_IO', `cannot read library ${p}: ${describeError(e)}`, { cause: e });
  } finally {
    closeSync(fd);
  }
}

/** SHA-256 of a file, streamed through one small buffer. */
export function hashFile(p: string): string {
  const h = createHash('sha256');
  const fd = openSync(p, 'r');
  try {
    const buf = new Uint8Array(1 << 20);
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n <= 0) break;
      h.update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
  return h.digest('hex');
}

/** Read the facts planRepair needs about each library to graft (DT_NEEDED from the trees). */
export function gatherSources(paths: Iterable<string>, report?: AuditReport): Map<string, GraftSource> {
  const neededOf = new Map<string, readonly string[]>();
  for (const elf of report?.elves ?? []) for (const lib of elf.tree.libraries.values()) if (lib.realpath !== undefined) neededOf.set(lib.realpath, lib.needed);
  const out = new Map<string, GraftSource>();
  for (const p of paths) {
    if (out.has(p)) continue;
    try {
      const needed = neededOf.get(p) ?? parseElf(readBytes(p)).dynamic?.needed ?? [];
      out.set(p, { realpath: p, h8: hashFile(p).slice(0, 8), mode: statSync(p).mode, needed });
    } catch (e) {
      if (e instanceof Error && 'code' in e && typeof e.code === 'string' && !('hint' in e)) {
        throw new RepairError('REPAIR_IO', `cannot read library ${p}: ${e.message}`, { cause: e });
      }
      throw e;
    }
  }
  return out;
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

export async function applyRepair(wheel: LoadedWheel, plan: RepairPlan, o: ApplyOptions): Promise<ApplyResult> {
  const logs: LogRecord[] = [];
  const info = (message: string): void => {
    logs.push({ level: 'info', message });
  };
  const name = o.abi3PythonTag === undefined ? wheel.contents.name : withPythonTag(wheel.contents.name, o.abi3PythonTag);

  // New filename and WHEEL (spec §6.11).
  let filename = name.filename;
  const distInfo = wheel.distInfo;
  const zip = await openWheelZip(wheel.path);
  try {
    // New or changed files: small ones keep their bytes; patched ELF files start deflating as
    // soon as they are ready (so compression overlaps the patching of the next one) and keep
    // only their RECORD digest.
    const changed = new Map<string, { data: Uint8Array | undefined; deflated: Promise<DeflatedData> | undefined; row: RecordRow | undefined; mode: number }>();
    const small = (data: Uint8Array, mode: number): { data: Uint8Array; deflated: undefined; row: undefined; mode: number } => ({ data, deflated: undefined, row: undefined, mode });
    const big = (name: string, data: Uint8Array, mode: number): { data: undefined; deflated: Promise<DeflatedData>; row: RecordRow; mode: number } => ({
      data: undefined,
      deflated: deflateData(data, o.level, name),
      row: recordRowFor(name, data),
      mode,
    });
    const wheelEntryName = `${distInfo}/WHEEL`;
    const wheelEntry = zip.entry(wheelEntryName);
    if (o.updateTags) {
      const remove = linuxTagsReplacedBy(o.abis[0] ?? '');
      const original = wheelPlatforms(name);
      info(`Previous filename tags: ${original.join(', ')}`);
      let tags = [...new Set([...original.filter((t) => !remove.includes(t)), ...o.abis])];
      let notPurelib = false;
      if (tags.includes('any') && tags.length > 1) {
        tags = tags.filter((t) => t !== 'any');
        remove.push('any');
        notPurelib = true;
      }
      const same = tags.length === original.length && tags.every((t, i) => t === original[i]);
      info(same ? 'No filename tags change needed.' : `New filename tags: ${tags.join(', ')}`);
      filename = withPlatformTags(name, [...tags].sort());
      // Read, size-checked and parsed while the wheel was loaded (a wheel without one is refused there).
      const parsed = wheel.wheelFile;
      if (parsed === undefined) throw new RepairError('REPAIR_IO', `${name.filename}: ${wheelEntryName} is missing`);
      const meta = o.abi3PythonTag === undefined ? parsed : withAbi3PythonTag(parsed, o.abi3PythonTag);
      const before = parsed.headers.filter(([n]) => n.toLowerCase() === 'tag').map(([, v]) => v);
      info(`Previous WHEEL info tags: ${before.join(', ')}`);
      // The output must stay readable by wheelaudit itself (and anything with the same limit).
      // Its size is known before the new tags are built: 250,000 short Tag lines would become
      // a million, hundreds of MB of strings, only to be refused.
      const size = retaggedWheelSize(meta, o.abis, remove, notPurelib);
      if (size !== undefined && size > MAX_WHEEL_FILE_SIZE) {
        throw new WheelFormatError('WHEEL_LIMIT_EXCEEDED', `${name.filename}: the retagged ${wheelEntryName} would be ${size} bytes, more than the ${MAX_WHEEL_FILE_SIZE} allowed for a WHEEL file`);
      }
      const upd = updateWheelTags(meta, o.abis, remove, notPurelib);
      if (upd.changed || meta !== parsed) {
        const bytes = new TextEncoder().encode(serializeWheelMetadata(upd.metadata));
        if (bytes.length > MAX_WHEEL_FILE_SIZE) {
          throw new WheelFormatError('WHEEL_LIMIT_EXCEEDED', `${name.filename}: the retagged ${wheelEntryName} would be ${bytes.length} bytes, more than the ${MAX_WHEEL_FILE_SIZE} allowed for a WHEEL file`);
        }
        if (notPurelib) info('Changed wheel type to Platlib');
        info(`New WHEEL info tags: ${upd.metadata.headers.filter(([n]) => n === 'Tag').map(([, v]) => v).join(', ')}`);
        changed.set(wheelEntryName, small(bytes, fileMode(wheelEntry)));
      } else {
        info('No WHEEL info change needed.');
      }
    }

    // Patch the wheel's ELF files (strip first, as the reference does, #716).
    const stripSet = new Set(plan.strip);
    const patcher = o.patcher;
    const needsPatch = plan.elves.some((e) => e.ops.length > 0) || plan.grafts.length > 0;
    if (patcher === 'none' && needsPatch) {
      const files = [...plan.grafts.map((g) => g.entry), ...plan.elves.filter((e) => e.ops.length > 0).map((e) => e.entry)];
      throw new RepairError('REPAIR_PATCHER', `the 'none' patcher can't patch the following files: ${files.join(', ')}`, {
        hint: 'use the default --patcher native',
      });
    }
    const patch = (bytes: Uint8Array, ops: Parameters<ElfPatcher['patch']>[1], file: string): Uint8Array =>
      ops.length === 0 || patcher === 'none' ? bytes : patcher.patch(bytes, ops, file);

    // Each library is read into one reused buffer; what gets deflated is the editor's output,
    // a fresh copy (a result that still views the buffer is copied before the next read).
    const graftSizes = plan.grafts.map((g) => statSync(g.source.realpath).size);
    const graftScratch = new Uint8Array(graftSizes.reduce((m, n) => Math.max(m, n), 0));
    const toPatch = plan.grafts.length + plan.elves.filter((e) => e.ops.length > 0 || stripSet.has(e.newEntry)).length;
    let patched = 0;
    let patchedBytes = 0;
    const patchedOne = (n: number): void => {
      patchedBytes += n;
      o.onProgress?.({ phase: 'patching', done: ++patched, total: toPatch, bytes: patchedBytes });
    };
    for (const g of plan.grafts) {
      const input = readInto(g.source.realpath, graftScratch);
      let bytes = input;
      if (stripSet.has(g.entry)) {
        info(`Stripping symbols from ${g.entry}`);
        bytes = stripElf(bytes).bytes;
      }
      let out = patch(bytes, g.ops, g.entry);
      if (out.buffer === graftScratch.buffer) out = out.slice();
      changed.set(g.entry, big(g.entry, out, REGULAR | ((g.source.mode & 0o777) | 0o200)));
      patchedOne(out.length);
    }
    for (const e of plan.elves) {
      const entry = zip.entry(e.entry);
      // The analysis read this entry from the same file: its absence is a bug, not bad input.
      if (entry === undefined) throw new InternalError(`${name.filename}: entry ${e.entry} is missing`);
      const strip = stripSet.has(e.newEntry);
      if (!strip && e.ops.length === 0) continue;
      let bytes = await zip.readEntry(entry);
      if (strip) {
        info(`Stripping symbols from ${e.newEntry}`);
        bytes = stripElf(bytes).bytes;
      }
      const mode = fileMode(entry);
      const out = patch(bytes, e.ops, e.entry);
      changed.set(e.newEntry, big(e.newEntry, out, mode));
      patchedOne(out.length);
      if (e.shim !== undefined) changed.set(e.entry, small(new TextEncoder().encode(e.shim), mode));
    }

    // SBOM for grafted libraries whose package the host can tell (spec §6.12).
    if (plan.grafts.length > 0 && o.owners !== undefined) {
      const owners = o.owners.lookup([...new Set(plan.sbomSources)]);
      const sbom = buildSbom({
        wheelName: name.distribution,
        wheelVersion: name.version,
        outputFilename: filename,
        tool: o.tool,
        grafted: plan.sbomSources.map((p) => ({ sourcePath: p, owner: owners.get(p) })),
      });
      if (sbom !== undefined) changed.set(`${distInfo}/sboms/auditwheel.cdx.json`, small(new TextEncoder().encode(sbom), REGULAR | 0o644));
    }

    // Every file of the output, in the reference's order; RECORD last in the dist-info.
    const recordName = `${distInfo}/RECORD`;
    const inputFiles = zip.entries.filter((e) => !e.isDirectory && e.name !== recordName && e.name !== `${distInfo}/RECORD.jws`);
    const paths = new Set([...inputFiles.map((e) => e.name), ...changed.keys(), recordName]);
    const order = walkOrder([...paths], distInfo);

    // Every entry was hashed (and checked against RECORD) while the wheel was loaded.
    const hashes = wheel.digests;
    const rows: RecordRow[] = [];
    for (const p of order) {
      if (p.endsWith('/')) continue;
      if (p === recordName) rows.push({ path: p, hash: '', size: '' });
      else {
        const c = changed.get(p);
        if (c !== undefined) rows.push(c.row ?? recordRowFor(p, c.data ?? new Uint8Array(0)));
        else {
          const h = hashes.get(p);
          if (h === undefined) throw new InternalError(`${name.filename}: entry ${p} was not hashed when the wheel was read`);
          rows.push({ path: p, hash: h.hash, size: String(h.size) });
        }
      }
    }
    const recordEntry = zip.entry(recordName);
    changed.set(recordName, small(new TextEncoder().encode(serializeRecord(rows)), fileMode(recordEntry)));

    const dirModes = new Map(zip.entries.filter((e) => e.isDirectory).map((e) => [e.name, e.mode]));
    const items: ZipWriteItem[] = [];
    for (const p of order) {
      if (p.endsWith('/')) {
        const m = dirModes.get(p) ?? 0;
        items.push({ name: p, source: undefined, mode: 0o40000 | (m === 0 ? 0o755 : m & 0o777) });
        continue;
      }
      const c = changed.get(p);
      if (c?.deflated !== undefined) items.push({ name: p, source: { kind: 'deflated', result: c.deflated }, mode: c.mode });
      else if (c?.data !== undefined) items.push({ name: p, source: { kind: 'data', data: c.data }, mode: c.mode });
      else {
        const entry = zip.entry(p) as WheelEntry;
        // Deflated entries are copied as stored; stored (uncompressed) ones are deflated, as the
        // reference deflates every file (#366).
        const source = entry.compressionMethod === 8 ? ({ kind: 'raw', entry, zip } as const) : ({ kind: 'data', data: await zip.readEntry(entry) } as const);
        items.push({ name: p, source, mode: fileMode(entry) });
      }
    }
    const outputPath = `${o.outDir}/${filename}`;
    if (sameFile(outputPath, o.inputPath)) {
      throw new RepairError('REPAIR_REFUSED', `the repaired wheel would replace the input ${o.inputPath}`, { hint: 'write it elsewhere with -w DIR' });
    }
    await writeZip(outputPath, items, { level: o.level, timestamp: o.timestamp ?? newestEntryTime(zip.entries), onProgress: o.onProgress });
    return { outputPath, filename, logs };
  } finally {
    await zip.close();
  }
}
