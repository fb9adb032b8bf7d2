// The dynamic array an edit produces (design §3 phase B), before anything is written: the
// live entries with DT_NEEDED removed or renamed, SONAME and the run path set, each changed
// string given its offset in .dynstr (an existing NUL-terminated occurrence, tail included,
// or a new string appended after the old table), and what the self-check must then find.
import { ElfFormatError } from '../errors.js';
import { ByteReader } from '../util/bytes.js';
import { DT_NEEDED, DT_RPATH, DT_RUNPATH, DT_SONAME, VERNAUX_SIZE } from './constants.js';
import type { PlannedEntry } from './dynamic-array.js';
import type { ElfEditPlan } from './edit.js';
import { readCString } from './strtab.js';
import type { DynamicInfo, ElfFile, Verneed } from './types.js';
import type { ExpectedDynamic } from './self-check.js';

const STRING_TAGS: ReadonlySet<bigint> = new Set([DT_NEEDED, DT_SONAME, DT_RPATH, DT_RUNPATH]);
const isRunPath = (e: PlannedEntry): boolean => e.tag === DT_RPATH || e.tag === DT_RUNPATH;
const utf8 = new TextEncoder();

/** Where `s` already sits in the string table as a NUL-terminated string (possibly a suffix). */
export function findString(table: Uint8Array, s: string): number | undefined {
  const needle = utf8.encode(s);
  const n = needle.length;
  outer: for (let i = 0; i + n < table.length; i++) {
    if (table[i + n] !== 0) continue;
    for (let j = 0; j < n; j++) if (table[i + j] !== needle[j]) continue outer;
    return i;
  }
  return undefined;
}

/** The live entries as planned entries, strings decoded. */
function liveEntries(elf: ElfFile, dyn: DynamicInfo): PlannedEntry[] {
  const r = new ByteReader(elf.bytes, elf.ident.littleEndian, elf.ident.elfClass === 64);
  const table = { offset: dyn.strtabOffset, size: dyn.strtabSize };
  return dyn.entries.map((e) => ({
    tag: e.d_tag,
    val: e.d_val,
    str: STRING_TAGS.has(e.d_tag) ? readCString(r, table, Number(e.d_val), `dynamic entry ${e.index}`, undefined) : undefined,
    changed: false,
  }));
}

/** Drop the entries `plan` removes (refusing a dependency symbol versions still come from). */
function removeNeeded(elf: ElfFile, entries: PlannedEntry[], plan: ElfEditPlan): PlannedEntry[] {
  if (plan.removeNeeded.size === 0) return entries;
  for (const need of elf.versionNeeds()) {
    if (plan.removeNeeded.has(need.file)) {
      throw new ElfFormatError('ELF_EDIT_INVALID', `can't remove DT_NEEDED '${need.file}': symbol versions (${need.aux.map((a) => a.name).join(', ')}) are still required from it`);
    }
  }
  return entries.filter((e) => !(e.tag === DT_NEEDED && e.str !== undefined && plan.removeNeeded.has(e.str)));
}

function setString(e: PlannedEntry, s: string): void {
  if (e.str === s) return;
  e.str = s;
  e.changed = true;
}

/** Exactly one run path entry of the planned kind, where the first one was; or none. */
function setRunPath(entries: PlannedEntry[], rpath: NonNullable<ElfEditPlan['rpath']> | null): PlannedEntry[] {
  const first = entries.findIndex(isRunPath);
  const kept = entries.filter((e) => !isRunPath(e));
  if (rpath === null) return kept;
  const tag = rpath.tag === 'DT_RPATH' ? DT_RPATH : DT_RUNPATH;
  const old = entries[first];
  const same = old?.tag === tag && old.str === rpath.value && entries.filter(isRunPath).length === 1;
  const entry: PlannedEntry = same ? old : { tag, val: 0n, str: rpath.value, changed: true };
  // Entries before the first run path are unaffected by the removal.
  const at = first >= 0 ? entries.slice(0, first).filter((e) => !isRunPath(e)).length : kept.length;
  kept.splice(at, 0, entry);
  return kept;
}

/** The dynamic entries after applying `plan`, strings still unplaced where they changed. */
export function planEntries(elf: ElfFile, plan: ElfEditPlan): PlannedEntry[] {
  const dyn = elf.dynamic;
  if (dyn === undefined) throw new ElfFormatError('ELF_EDIT_INVALID', 'the file has no dynamic section (it is statically linked)');
  let entries = removeNeeded(elf, liveEntries(elf, dyn), plan);
  for (const e of entries) {
    const to = e.tag === DT_NEEDED && e.str !== undefined ? plan.replaceNeeded.get(e.str) : undefined;
    if (to !== undefined) setString(e, to);
  }
  if (plan.soname !== undefined) {
    const existing = entries.filter((e) => e.tag === DT_SONAME);
    if (existing.length === 0) entries.push({ tag: DT_SONAME, val: 0n, str: plan.soname, changed: true });
    for (const e of existing) setString(e, plan.soname);
  }
  if (plan.rpath !== undefined) entries = setRunPath(entries, plan.rpath);
  return entries;
}

/** Whether the planned entries are the live ones, unchanged. */
export function sameEntries(elf: ElfFile, entries: readonly PlannedEntry[]): boolean {
  const live = elf.dynamic?.entries ?? [];
  return live.length === entries.length && entries.every((e, i) => !e.changed && e.tag === live[i]?.d_tag && e.val === live[i].d_val);
}

/** A Verneed whose vn_file is renamed, with its new name. */
export interface VerneedRename {
  readonly need: Verneed;
  readonly to: string;
}

/** The Verneed records `plan` renames (vn_file is rewritten in place, so it must not overlap a Vernaux). */
export function verneedRenames(elf: ElfFile, plan: ElfEditPlan): VerneedRename[] {
  const out: VerneedRename[] = [];
  for (const need of elf.versionNeeds()) {
    const to = plan.replaceNeeded.get(need.file);
    if (to !== undefined) out.push({ need, to });
  }
  const auxStarts = elf.versionNeeds().flatMap((n) => n.aux.map((a) => a.offset));
  for (const { need } of out) {
    // Elf_Verneed: vn_file at +4 (4 bytes); a damaged file could put a Vernaux there.
    if (auxStarts.some((a) => need.offset + 4 < a + VERNAUX_SIZE && a < need.offset + 8)) {
      throw new ElfFormatError('ELF_MALFORMED', `verneed record at offset ${need.offset} overlaps a Vernaux record`);
    }
  }
  return out;
}

/** The strings an edit appends to .dynstr, and the new vn_file of each renamed Verneed (by record offset). */
export interface PlacedStrings {
  readonly appended: Uint8Array;
  readonly verneedFiles: ReadonlyMap<number, bigint>;
}

/** Give every changed string its .dynstr offset: an existing occurrence, else appended (once). */
export function placeStrings(oldTable: Uint8Array, entries: readonly PlannedEntry[], renames: readonly VerneedRename[]): PlacedStrings {
  const appended: Uint8Array[] = [];
  let appendedSize = 0;
  const placed = new Map<string, bigint>();
  const place = (s: string): bigint => {
    const known = placed.get(s);
    if (known !== undefined) return known;
    const at = findString(oldTable, s);
    let off: bigint;
    if (at !== undefined) off = BigInt(at);
    else {
      off = BigInt(oldTable.length + appendedSize);
      const b = utf8.encode(s);
      appended.push(b);
      appendedSize += b.length + 1;
    }
    placed.set(s, off);
    return off;
  };
  for (const e of entries) if (e.changed && e.str !== undefined) e.val = place(e.str);
  const verneedFiles = new Map(renames.map((r) => [r.need.offset, place(r.to)]));
  const bytes = new Uint8Array(appendedSize);
  let p = 0;
  for (const b of appended) {
    bytes.set(b, p);
    p += b.length + 1;
  }
  return { appended: bytes, verneedFiles };
}

/** What the output's dynamic view must be, for the self-check. */
export function expectation(elf: ElfFile, entries: readonly PlannedEntry[], plan: ElfEditPlan): ExpectedDynamic {
  const strOf = (tag: bigint): string[] => entries.filter((e) => e.tag === tag).map((e) => e.str ?? '');
  return {
    needed: strOf(DT_NEEDED),
    soname: strOf(DT_SONAME)[0],
    rpath: strOf(DT_RPATH)[0],
    runpath: strOf(DT_RUNPATH)[0],
    verneedFiles: elf.versionNeeds().map((n) => plan.replaceNeeded.get(n.file) ?? n.file),
  };
}
