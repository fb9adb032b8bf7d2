// planRepair: pure. From the audit report, the chosen tags and the facts of the libraries to
// graft, decide every change to the wheel (spec §6.2–§6.8): which libraries are copied into
// `<name>.libs/` under which hash-suffixed names, the DT_NEEDED / SONAME / RPATH edits of every
// ELF file, which ELF scripts move behind a shim, and what gets stripped. Nothing is read or
// written here; apply.ts carries the plan out.
import { LIBPYTHON_RE } from '../analyze/lddtree.js';
import { basename, dirname, installedPath, isSubdir, normpath, relative } from '../analyze/paths.js';

export { installedPath };
import type { AuditReport, LogRecord } from '../analyze/report.js';
import type { ElfEditOp } from '../elf/edit.js';
import { InternalError, RepairError } from '../errors.js';

/** What apply.ts learned about a library to graft, by its resolved host path. */
export interface GraftSource {
  readonly realpath: string;
  /** First 8 hex digits of the SHA-256 of the file's bytes. */
  readonly h8: string;
  readonly mode: number;
  /** The library's own DT_NEEDED. */
  readonly needed: readonly string[];
}

export interface PlannedGraft {
  readonly soname: string;
  readonly newName: string;
  /** Entry name inside the wheel. */
  readonly entry: string;
  readonly source: GraftSource;
  readonly ops: ElfEditOp[];
}

export interface PlannedElf {
  /** Entry name in the input wheel. */
  readonly entry: string;
  /** Entry name in the output (differs for an ELF script moved behind a shim). */
  readonly newEntry: string;
  readonly ops: ElfEditOp[];
  /** Text of the shim written at `entry` when the binary moved. */
  readonly shim: string | undefined;
}

export interface RepairPlan {
  readonly libDir: string;
  readonly grafts: readonly PlannedGraft[];
  /** Every ELF of the wheel that repair looks at (patched or not). */
  readonly elves: readonly PlannedElf[];
  /** Entries to strip (output names), in the reference's order: grafts, then the wheel's ELFs. */
  readonly strip: readonly string[];
  /** Source paths recorded for the SBOM (one per graft decision, as the reference does). */
  readonly sbomSources: readonly string[];
  readonly logs: readonly LogRecord[];
}

/** The wheel's platform as the planners see it (this one and plan-extras.ts). */
export interface PlanTarget {
  /** The distribution name as written in the filename. */
  readonly distribution: string;
  readonly android: boolean;
  /** Android API level of the wheel's tag (RUNPATH needs 24+). */
  readonly androidApiLevel: number | undefined;
  /** 64-bit wheel ($LIB expands to lib64). */
  readonly is64: boolean;
  readonly arch: string;
  readonly strip: boolean;
}

export interface PlanOptions extends PlanTarget {
  /** The policy whose external libraries get grafted: abis[0]. */
  readonly graftPolicy: string;
  /** Suffix of the library folder (`-L`), default '.libs'. */
  readonly libSdir: string;
  /** Every entry name of the input wheel: nothing repair adds may land on one of them. */
  readonly entries?: readonly string[];
}

/** `libffi.so.8.1.2` + `983e72b7` -> `libffi-983e72b7.so.8.1.2` (kept when already hashed). */
export function graftedName(sourceBasename: string, h8: string): string {
  const dot = sourceBasename.indexOf('.');
  // The reference crashes on a name without a dot; we graft it as `<name>-<hash>`.
  const base = dot < 0 ? sourceBasename : sourceBasename.slice(0, dot);
  const ext = dot < 0 ? '' : sourceBasename.slice(dot);
  return base.endsWith(`-${h8}`) ? sourceBasename : `${base}-${h8}${ext}`;
}

/** `<x>.data/scripts/<file>`: an ELF script that must move behind a shim when patched. */
export function isScript(entry: string): boolean {
  const parts = entry.split('/');
  return parts.length === 3 && (parts[0] as string).endsWith('.data') && parts[1] === 'scripts';
}


/** The Python shim that replaces a moved ELF script; installers rewrite `#!python`. */
export function scriptShim(movedEntry: string): string {
  return [
    '#!python',
    'import os',
    'import sys',
    'import sysconfig',
    '',
    '',
    'if __name__ == "__main__":',
    '    os.execv(',
    `        os.path.join(sysconfig.get_path("platlib"), ${pyRepr(movedEntry)}),`,
    '        sys.argv,',
    '    )',
    '',
  ].join('\n');
}

function pyRepr(s: string): string {
  const useDouble = s.includes("'") && !s.includes('"');
  const q = useDouble ? '"' : "'";
  let out = '';
  for (const ch of s) {
    if (ch === '\\') out += '\\\\';
    else if (ch === q) out += `\\${q}`;
    else if (ch === '\n') out += '\\n';
    else if (ch === '\r') out += '\\r';
    else if (ch === '\t') out += '\\t';
    else out += ch;
  }
  return `${q}${out}${q}`;
}

// Where the wheel is assumed to be while run paths are judged. The NUL character makes it a
// path no RPATH string can name (ELF strings end at NUL): only $ORIGIN leads inside.
const MOUNT = '/\u0000wheel';

/**
 * The run path of a patched ELF: its existing entries that resolve inside the wheel (spec
 * §6.6), then `newEntry`, duplicates removed.
 */
export function appendRpathWithinWheel(oldRpath: string, newEntry: string, entry: string, opts: { is64: boolean; arch: string }, log?: (r: LogRecord) => void): string {
  const libDir = normpath(`${MOUNT}/${dirname(entry)}`);
  const kept: string[] = [];
  for (const e of oldRpath === '' ? [] : oldRpath.split(':')) {
    let full = e;
    for (const [token, value] of [
      ['ORIGIN', libDir],
      ['LIB', opts.is64 ? 'lib64' : 'lib'],
      ['PLATFORM', opts.arch],
    ] as const) {
      full = full.split(`$${token}`).join(value).split(`\${${token}}`).join(value);
    }
    if (!full.startsWith('/')) {
      log?.({ level: 'debug', message: `rpath entry ${e} could not be resolved to an absolute path -- discarding it.` });
      continue;
    }
    if (!isSubdir(normpath(full), MOUNT)) {
      log?.({ level: 'debug', message: `rpath entry ${e} points outside the wheel -- discarding it.` });
      continue;
    }
    log?.({ level: 'debug', message: `Preserved rpath entry ${e}` });
    kept.push(e);
  }
  return [...new Set([...kept, newEntry])].join(':');
}

/** `$ORIGIN/<relative path from the ELF's directory to libDir>`, as pathlib joins it. */
export function originRpath(elfEntry: string, libDir: string): string {
  const from = normpath(`/${dirname(installedPath(elfEntry))}`);
  const to = normpath(`/${installedPath(libDir)}`);
  const rel = relative(from, to);
  return rel === '.' ? '$ORIGIN' : `$ORIGIN/${rel}`;
}

export function planRepair(report: AuditReport, sources: ReadonlyMap<string, GraftSource>, o: PlanOptions): RepairPlan {
  const logs: LogRecord[] = [];
  const log = (r: LogRecord): void => {
    logs.push(r);
  };
  const libDir = normpath(`${o.distribution}${o.libSdir}`).replace(/^\/+/, '');
  const rpathTag = o.android ? 'DT_RUNPATH' : 'DT_RPATH';
  const sonameMap = new Map<string, { newName: string; entry: string }>();
  const grafts = new Map<string, PlannedGraft>();
  const elves: PlannedElf[] = [];
  const sbomSources: string[] = [];
  const summaries = new Map(report.elves.map((e) => [e.path, e.summary]));

  const setRpath = (ops: ElfEditOp[], value: string, file: string): void => {
    if (o.android && (o.androidApiLevel ?? 0) < 24) {
      throw new RepairError('REPAIR_REFUSED', `${file}: grafting libraries with RUNPATH requires API level 24 or higher`);
    }
    ops.push({ kind: 'set-rpath', value, tag: rpathTag });
  };

  for (const [entry, refs] of report.fullExternalRefs) {
    const ext = refs.get(o.graftPolicy)?.libs ?? new Map<string, string | undefined>();
    const ops: ElfEditOp[] = [];
    for (const [soname, src] of ext) {
      if (LIBPYTHON_RE.test(soname)) {
        log({
          level: 'warning',
          message: `Removing ${soname} dependency from ${entry}. Linking with libpython is forbidden for manylinux/musllinux wheels.`,
        });
        ops.push({ kind: 'remove-needed', name: soname });
        continue;
      }
      if (src === undefined) {
        throw new RepairError('REPAIR_LIB_NOT_FOUND', `Cannot repair wheel, because required library "${soname}" could not be located`, {
          hint: o.android ? 'point --ldpaths or AUDITWHEEL_LD_LIBRARY_PATH at it, or skip it with --exclude' : 'add its directory to LD_LIBRARY_PATH or --ldpaths, or skip it with --exclude',
        });
      }
      const source = sources.get(src);
      if (source === undefined) throw new InternalError(`no facts gathered for ${src}`);
      sbomSources.push(src);
      const newName = graftedName(basename(src), source.h8);
      const graftEntry = `${libDir}/${newName}`;
      if (!grafts.has(newName)) {
        log({ level: 'debug', message: `Grafting: ${src} -> ${graftEntry}` });
        grafts.set(newName, { soname, newName, entry: graftEntry, source, ops: [{ kind: 'set-soname', soname: newName }] });
      }
      sonameMap.set(soname, { newName, entry: graftEntry });
      ops.push({ kind: 'replace-needed', from: soname, to: newName });
    }
    let newEntry = entry;
    let shim: string | undefined;
    if (ext.size > 0) {
      if (isScript(entry)) {
        newEntry = `${o.distribution}.scripts/${basename(entry)}`;
        shim = scriptShim(newEntry);
      }
      const sum = summaries.get(entry);
      const old = sum?.runpath ?? sum?.rpath ?? '';
      setRpath(ops, appendRpathWithinWheel(old, originRpath(newEntry, libDir), newEntry, o, log), entry);
    }
    elves.push({ entry, newEntry, ops, shim });
  }

  // Grafted libraries point at each other by their new names, through $ORIGIN only.
  for (const g of grafts.values()) {
    const replacements = g.source.needed.filter((n) => sonameMap.has(n));
    if (replacements.length > 0) {
      setRpath(g.ops, '$ORIGIN', g.entry);
      for (const n of replacements) g.ops.push({ kind: 'replace-needed', from: n, to: (sonameMap.get(n) as { newName: string }).newName });
    } else {
      g.ops.push({ kind: 'remove-rpath' });
    }
  }

  refuseCollisions(o.entries ?? [], libDir, [...grafts.values()], elves);
  const strip = o.strip ? [...[...grafts.values()].map((g) => g.entry), ...elves.map((e) => e.newEntry)] : [];
  return { libDir, grafts: [...grafts.values()], elves, strip, sbomSources, logs };
}

/**
 * Refuse a plan that would write over the wheel's own files: a graft or a moved script at a
 * name the wheel already has (it would be silently replaced), or a file where the plan needs a
 * folder (`<name>.libs` as a file). Each refusal names the entry and what repair wanted there.
 */
function refuseCollisions(entries: readonly string[], libDir: string, grafts: readonly PlannedGraft[], elves: readonly PlannedElf[]): void {
  const files = new Set(entries.filter((e) => !e.endsWith('/')));
  const wanted: { entry: string; what: string }[] = grafts.map((g) => ({ entry: g.entry, what: `the grafted copy of ${g.soname} (${g.source.realpath})` }));
  for (const e of elves) if (e.newEntry !== e.entry) wanted.push({ entry: e.newEntry, what: `${e.entry}, moved out of the scripts folder` });
  for (const w of wanted) {
    const parts = w.entry.split('/');
    for (let i = 1; i < parts.length; i++) {
      const folder = parts.slice(0, i).join('/');
      if (files.has(folder)) {
        throw new RepairError('REPAIR_REFUSED', `the wheel has a file named ${folder}, where repair must create the folder ${folder}/ for ${w.what}`, {
          hint: folder === libDir ? 'rename that entry, or graft into another folder with -L' : 'rename that entry',
        });
      }
    }
    if (files.has(w.entry)) {
      throw new RepairError('REPAIR_REFUSED', `${w.entry} already exists in the wheel; repair would replace it with ${w.what}`, {
        hint: w.entry.startsWith(`${libDir}/`) ? 'remove that entry, or graft into another folder with -L' : 'rename that entry',
      });
    }
  }
}
