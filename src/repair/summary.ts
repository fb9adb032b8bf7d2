// What a repair did, for the closing summary: each grafted library (its soname, where it went
// in the wheel, where it came from and its size), and each library it left out with the
// reason (--exclude, loaded by a whitelisted library, libpython). Pure over the report and plan.
import { providedReason } from '../analyze/findings.js';
import { LIBPYTHON_RE } from '../analyze/lddtree.js';
import type { AuditReport } from '../analyze/report.js';
import type { RepairPlan } from './plan.js';

/** A library that a repair copied into the wheel. */
export interface GraftedLibrary {
  readonly soname: string;
  /** Entry name in the repaired wheel. */
  readonly entry: string;
  /** Host path it was copied from. */
  readonly source: string;
  /** Size of the source file in bytes. */
  readonly size: number;
}

/** A library that a repair did not copy into the wheel, and why. */
export interface LeftOutLibrary {
  /** A soname, or a resolved path when an --exclude pattern matched the path. */
  readonly name: string;
  readonly reason: string;
}

/** What a repair did: the libraries it grafted and those it left out. */
export interface RepairSummary {
  readonly grafted: readonly GraftedLibrary[];
  readonly leftOut: readonly LeftOutLibrary[];
}

/** The summary of a repair that grafted under `graftPolicy`; `sizeOf` gives a host file's size. */
export function summarizeRepair(report: AuditReport, plan: RepairPlan, graftPolicy: string, sizeOf: (path: string) => number): RepairSummary {
  const grafted = plan.grafts.map((g) => ({ soname: g.soname, entry: g.entry, source: g.source.realpath, size: sizeOf(g.source.realpath) }));
  const leftOut: LeftOutLibrary[] = [];
  for (const [pattern, hits] of report.excluded ?? new Map<string, readonly string[]>()) {
    for (const name of hits) leftOut.push({ name, reason: `--exclude ${pattern}` });
  }
  for (const [soname, rule] of report.externalRefs.get(graftPolicy)?.provided ?? []) {
    leftOut.push({ name: soname, reason: providedReason(rule) });
  }
  const removed = new Set<string>();
  for (const refs of report.fullExternalRefs.values()) {
    for (const soname of refs.get(graftPolicy)?.libs.keys() ?? []) if (LIBPYTHON_RE.test(soname)) removed.add(soname);
  }
  for (const soname of [...removed].sort()) leftOut.push({ name: soname, reason: 'libpython is provided by the interpreter; its DT_NEEDED entry was removed' });
  return { grafted, leftOut };
}
