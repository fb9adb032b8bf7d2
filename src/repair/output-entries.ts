// What the repaired wheel holds, in order: the SBOM entry, the RECORD rows (every entry's
// digest, taken while the wheel was read or when it was patched), and the zip items the
// writer takes (unchanged entries copied as stored, changed ones from their bytes or deflates).
import type { LoadedWheel } from '../analyze/load-wheel.js';
import { InternalError } from '../errors.js';
import { recordEncoder, recordRowFor, type RecordRow } from '../wheel/record.js';
import type { WheelEntry, WheelZip } from '../wheel/zip-read.js';
import type { ZipSource, ZipWriteItem } from '../wheel/zip-write.js';
import type { ChangedEntry } from './changed-entries.js';
import type { OwnerLookup } from './package-owner.js';
import { fileMode } from './patch-entries.js';
import type { RepairPlan } from './plan.js';
import { buildSbom } from './sbom.js';

/** The CycloneDX SBOM for the grafted libraries whose package the host can tell (spec §6.12), if any. */
export function sbomText(plan: RepairPlan, owners: OwnerLookup | undefined, wheel: { name: string; version: string; filename: string }, tool: { readonly name: string; readonly version: string }): string | undefined {
  if (plan.grafts.length === 0 || owners === undefined) return undefined;
  const found = owners.lookup([...new Set(plan.sbomSources)]);
  return buildSbom({
    wheelName: wheel.name,
    wheelVersion: wheel.version,
    outputFilename: wheel.filename,
    tool,
    grafted: plan.sbomSources.map((p) => ({ sourcePath: p, owner: found.get(p) })),
  });
}

/**
 * RECORD's rows for `order` (every path of the output), RECORD's own row empty. Waits for the
 * rows still being made (patched libraries, the SBOM); RECORD itself must not be pending here.
 */
export async function recordRows(order: readonly string[], recordName: string, changed: ReadonlyMap<string, ChangedEntry>, digests: LoadedWheel['digests'], filename: string): Promise<RecordRow[]> {
  const rows: RecordRow[] = [];
  await eachRecordRow(order, recordName, changed, digests, filename, (row) => rows.push(row));
  return rows;
}

/** RECORD's bytes for `order`: the rows of {@link recordRows}, encoded as they are made (no list of them). */
export async function recordBytes(order: readonly string[], recordName: string, changed: ReadonlyMap<string, ChangedEntry>, digests: LoadedWheel['digests'], filename: string): Promise<Uint8Array> {
  const out = recordEncoder();
  await eachRecordRow(order, recordName, changed, digests, filename, (row) => { out.add(row); });
  return out.bytes();
}

/** Each RECORD row for `order`, in order; awaits only for changed entries whose rows are still being made. */
async function eachRecordRow(
  order: readonly string[],
  recordName: string,
  changed: ReadonlyMap<string, ChangedEntry>,
  digests: LoadedWheel['digests'],
  filename: string,
  take: (row: RecordRow) => void,
): Promise<void> {
  for (const p of order) {
    if (p.endsWith('/')) continue;
    if (p === recordName) {
      take({ path: p, hash: '', size: '' });
      continue;
    }
    const c = changed.get(p);
    if (c !== undefined) {
      take(c.row !== undefined ? await c.row : recordRowFor(p, c.data ?? (await c.later) ?? new Uint8Array(0)));
      continue;
    }
    // Every entry was hashed (and checked against RECORD) while the wheel was loaded.
    const h = digests.get(p);
    if (h === undefined) throw new InternalError(`${filename}: entry ${p} was not hashed when the wheel was read`);
    take({ path: p, hash: h.hash, size: String(h.size) });
  }
}

/** The writer's source for a changed entry. */
function changedSource(c: ChangedEntry): ZipSource {
  if (c.stream !== undefined) return { kind: 'stream', content: c.stream };
  if (c.later !== undefined) return { kind: 'later', data: c.later };
  return { kind: 'data', data: c.data ?? new Uint8Array(0) };
}

/** The writer's items for `order`: directories, changed entries, and input entries copied as stored. */
export async function zipItems(order: readonly string[], changed: ReadonlyMap<string, ChangedEntry>, zip: WheelZip): Promise<ZipWriteItem[]> {
  const dirModes = new Map(zip.entries.filter((e) => e.isDirectory).map((e) => [e.name, e.mode]));
  const items: ZipWriteItem[] = [];
  for (const p of order) {
    if (p.endsWith('/')) {
      const m = dirModes.get(p) ?? 0;
      items.push({ name: p, source: undefined, mode: 0o40000 | (m === 0 ? 0o755 : m & 0o777) });
      continue;
    }
    const c = changed.get(p);
    if (c !== undefined) {
      items.push({ name: p, source: changedSource(c), mode: c.mode });
      continue;
    }
    const entry = zip.entry(p) as WheelEntry;
    // Deflated entries are copied as stored; stored (uncompressed) ones are deflated, as the
    // reference deflates every file (#366).
    const source = entry.compressionMethod === 8 ? ({ kind: 'raw', entry, zip } as const) : ({ kind: 'data', data: await zip.readEntry(entry) } as const);
    items.push({ name: p, source, mode: fileMode(entry) });
  }
  return items;
}
