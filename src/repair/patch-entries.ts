// Patching for repair: every library to graft is read from the host, stripped when asked
// (first, as the reference does, #716) and patched; so is every wheel ELF file the plan edits.
// Each result goes to the changed entries, which deflate a few at a time (changed-entries.ts).
import { stripElf } from '../elf/strip.js';
import { InternalError, RepairError } from '../errors.js';
import type { WheelZip } from '../wheel/zip-read.js';
import type { ProgressSink } from '../util/progress.js';
import type { ChangedEntries } from './changed-entries.js';
import { readInto } from './host-files.js';
import type { ElfPatcher } from './patcher.js';
import type { RepairPlan } from './plan.js';
import { statSync } from 'node:fs';

const REGULAR = 0o100000;

/** The mode an entry gets when extracted and re-zipped by the reference: owner rw always. */
export function fileMode(entry: { readonly mode: number } | undefined): number {
  const m = entry?.mode ?? 0;
  return REGULAR | (m === 0 ? 0o644 : (m & 0o777) | 0o600);
}

export interface PatchContext {
  readonly zip: WheelZip;
  readonly plan: RepairPlan;
  readonly patcher: ElfPatcher | 'none';
  readonly changed: ChangedEntries;
  readonly info: (m: string) => void;
  readonly onProgress?: ProgressSink | undefined;
  /** The wheel's file name, for messages. */
  readonly filename: string;
}

/** Refuse the 'none' patcher when anything needs patching. */
function checkPatcher(c: PatchContext): void {
  const { plan } = c;
  const needsPatch = plan.elves.some((e) => e.ops.length > 0) || plan.grafts.length > 0;
  if (c.patcher !== 'none' || !needsPatch) return;
  const files = [...plan.grafts.map((g) => g.entry), ...plan.elves.filter((e) => e.ops.length > 0).map((e) => e.entry)];
  throw new RepairError('REPAIR_PATCHER', `the 'none' patcher can't patch the following files: ${files.join(', ')}`, { hint: 'use the default --patcher native' });
}

/** Strip, patch and hand over every graft and every wheel ELF file the plan changes. */
export async function patchEntries(c: PatchContext): Promise<void> {
  checkPatcher(c);
  const { plan, changed, info } = c;
  const stripSet = new Set(plan.strip);
  const patch = (bytes: Uint8Array, ops: Parameters<ElfPatcher['patch']>[1], file: string): Uint8Array =>
    ops.length === 0 || c.patcher === 'none' ? bytes : c.patcher.patch(bytes, ops, file);
  const toPatch = plan.grafts.length + plan.elves.filter((e) => e.ops.length > 0 || stripSet.has(e.newEntry)).length;
  let patched = 0;
  let patchedBytes = 0;
  const patchedOne = (n: number): void => {
    patchedBytes += n;
    c.onProgress?.({ phase: 'patching', done: ++patched, total: toPatch, bytes: patchedBytes });
  };
  // Each library is read into one reused buffer; what gets deflated is the editor's output,
  // a fresh copy (a result that still views the buffer is copied before the next read).
  const graftScratch = new Uint8Array(plan.grafts.reduce((m, g) => Math.max(m, statSync(g.source.realpath).size), 0));
  for (const g of plan.grafts) {
    let bytes = readInto(g.source.realpath, graftScratch);
    if (stripSet.has(g.entry)) {
      info(`Stripping symbols from ${g.entry}`);
      bytes = stripElf(bytes).bytes;
    }
    let out = patch(bytes, g.ops, g.entry);
    if (out.buffer === graftScratch.buffer) out = out.slice();
    await changed.big(g.entry, out, REGULAR | ((g.source.mode & 0o777) | 0o200));
    patchedOne(out.length);
  }
  for (const e of plan.elves) {
    const entry = c.zip.entry(e.entry);
    // The analysis read this entry from the same file: its absence is a bug, not bad input.
    if (entry === undefined) throw new InternalError(`${c.filename}: entry ${e.entry} is missing`);
    const strip = stripSet.has(e.newEntry);
    if (!strip && e.ops.length === 0) continue;
    let bytes = await c.zip.readEntry(entry);
    if (strip) {
      info(`Stripping symbols from ${e.newEntry}`);
      bytes = stripElf(bytes).bytes;
    }
    const mode = fileMode(entry);
    const out = patch(bytes, e.ops, e.entry);
    await changed.big(e.newEntry, out, mode);
    patchedOne(out.length);
    if (e.shim !== undefined) changed.small(e.entry, new TextEncoder().encode(e.shim), mode);
  }
}
