// Pure: extends a RepairPlan for --include and --provided-by. Included libraries become
// grafts that keep their file name and DT_SONAME (a dlopen() by that name must find them) and
// every ELF file of the wheel gets a run path entry to the libs directory. A library another
// wheel provides is not grafted; each ELF file that needs it (wheel files and grafts alike)
// gets a run path entry to where that wheel installs it, relative to its own install location.
import { basename, dirname, installedPath, normpath, relative } from '../analyze/paths.js';
import type { ProvidedUse } from '../analyze/supplement.js';
import type { ElfEditOp } from '../elf/edit.js';
import { RepairError } from '../errors.js';
import { appendRpathWithinWheel, isScript, originRpath, scriptShim, type GraftSource, type PlannedElf, type PlannedGraft, type PlanTarget, type RepairPlan } from './plan.js';

/** A library to add with --include, resolved on the host. */
export interface IncludedLibrary {
  /** Entry name in the output: `<libDir>/<file name>`. */
  readonly entry: string;
  /** The file name it keeps (as the user named it). */
  readonly name: string;
  /** Its DT_SONAME, kept too. */
  readonly soname: string | undefined;
  readonly source: GraftSource;
  /** Its own run path, dropped when nothing of the wheel needs it. */
  readonly hasRunPath: boolean;
}

export interface PlanExtrasOptions extends PlanTarget {
  readonly libDir: string;
  readonly includes: readonly IncludedLibrary[];
  readonly provided: readonly ProvidedUse[];
  /** Entry -> its current DT_RUNPATH (else DT_RPATH), '' when it has none. */
  readonly runPaths: ReadonlyMap<string, string>;
}

function setRpathOp(ops: readonly ElfEditOp[]): Extract<ElfEditOp, { kind: 'set-rpath' }> | undefined {
  return ops.find((op): op is Extract<ElfEditOp, { kind: 'set-rpath' }> => op.kind === 'set-rpath');
}

/** `$ORIGIN/<path from the directory of installed file `from` to directory `toDir`>`. */
function originTo(from: string, toDir: string): string {
  const rel = relative(normpath(`/${dirname(from)}`), normpath(`/${toDir}`));
  return rel === '.' ? '$ORIGIN' : `$ORIGIN/${rel}`;
}

function join(...lists: readonly (readonly string[])[]): string {
  return [...new Set(lists.flat().filter((e) => e !== ''))].join(':');
}

export function planExtras(plan: RepairPlan, o: PlanExtrasOptions): RepairPlan {
  if (o.includes.length === 0 && o.provided.length === 0) return plan;
  const tag = o.android ? 'DT_RUNPATH' : 'DT_RPATH';
  const checkAndroid = (file: string): void => {
    if (o.android && (o.androidApiLevel ?? 0) < 24) {
      throw new RepairError('REPAIR_REFUSED', `${file}: grafting libraries with RUNPATH requires API level 24 or higher`);
    }
  };
  // Who needs which provided library: wheel entries and graft sonames.
  const needs = new Map<string, string[]>();
  for (const u of o.provided) {
    const dir = dirname(u.match.library.installed);
    for (const by of u.neededBy) needs.set(by, [...(needs.get(by) ?? []), dir]);
  }
  const included = new Map(o.includes.map((i) => [i.entry, i]));
  const grafts: PlannedGraft[] = [...plan.grafts];
  const elves: PlannedElf[] = [];

  for (const e of plan.elves) {
    const inc = included.get(e.entry);
    if (inc !== undefined) {
      grafts.push(includedGraft(inc, e.ops, needs.get(e.entry) ?? [], o.libDir, tag));
      continue;
    }
    const wanted = (entry: string): string[] => [
      ...(o.includes.length > 0 ? [originRpath(entry, o.libDir)] : []),
      ...(needs.get(e.entry) ?? []).map((dir) => originTo(installedPath(entry), dir)),
    ];
    if (wanted(e.newEntry).length === 0) {
      elves.push(e);
      continue;
    }
    const existing = setRpathOp(e.ops);
    if (existing !== undefined) {
      const value = join(existing.value.split(':'), wanted(e.newEntry));
      elves.push({ ...e, ops: e.ops.map((op) => (op === existing ? { ...existing, value } : op)) });
      continue;
    }
    checkAndroid(e.entry);
    const moved = isScript(e.entry) ? `${o.distribution}.scripts/${basename(e.entry)}` : e.newEntry;
    const old = appendRpathWithinWheel(o.runPaths.get(e.entry) ?? '', '', moved, o);
    elves.push({
      entry: e.entry,
      newEntry: moved,
      shim: moved === e.entry ? e.shim : scriptShim(moved),
      ops: [...e.ops, { kind: 'set-rpath', value: join(old.split(':'), wanted(moved)), tag }],
    });
  }

  // Hash-named grafts that need a provided library.
  const finalGrafts = grafts.map((g) => {
    const dirs = needs.get(g.soname) ?? [];
    if (dirs.length === 0 || included.has(g.entry)) return g;
    checkAndroid(g.entry);
    return { ...g, ops: withRunPath(g.ops, dirs.map((d) => originTo(g.entry, d)), tag) };
  });

  for (const i of o.includes) {
    if (!finalGrafts.some((g) => g.entry === i.entry)) {
      throw new RepairError('REPAIR_REFUSED', `--include ${i.source.realpath}: the analysis did not accept it as a library of this wheel (another architecture or libc?)`);
    }
  }
  const strip = o.strip ? [...finalGrafts.map((g) => g.entry), ...elves.map((e) => e.newEntry)] : [];
  return { ...plan, grafts: finalGrafts, elves, strip, sbomSources: [...plan.sbomSources, ...o.includes.map((i) => i.source.realpath)] };
}

/** Add run path entries to a graft's edits: appended to its set-rpath, or replacing remove-rpath. */
function withRunPath(ops: readonly ElfEditOp[], entries: readonly string[], tag: 'DT_RPATH' | 'DT_RUNPATH'): ElfEditOp[] {
  const existing = setRpathOp(ops);
  if (existing !== undefined) return ops.map((op) => (op === existing ? { ...existing, value: join(existing.value.split(':'), entries) } : op));
  return [...ops.filter((op) => op.kind !== 'remove-rpath'), { kind: 'set-rpath', value: join(entries), tag }];
}

/**
 * An included library as a graft: its own name and SONAME, the edits the plan made for its
 * dependencies (renamed grafts, `$ORIGIN`), plus run path entries to provided libraries. A run
 * path from the build machine is dropped when nothing replaces it.
 */
function includedGraft(inc: IncludedLibrary, ops: readonly ElfEditOp[], providedDirs: readonly string[], libDir: string, tag: 'DT_RPATH' | 'DT_RUNPATH'): PlannedGraft {
  let edits: ElfEditOp[] = [...ops];
  if (providedDirs.length > 0) edits = withRunPath(edits, providedDirs.map((d) => originTo(`${libDir}/${inc.name}`, d)), tag);
  else if (setRpathOp(edits) === undefined && inc.hasRunPath) edits.push({ kind: 'remove-rpath' });
  return { soname: inc.soname ?? inc.name, newName: inc.name, entry: inc.entry, source: inc.source, ops: edits };
}
