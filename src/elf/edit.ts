// The edits wheelaudit makes to ELF files (the four auditwheel operations), as data: a list
// of operations in patchelf's order, normalised into one plan. Contradictory or malformed
// plans are refused here, before any byte is written.
import { ElfFormatError } from '../errors.js';

/** The dynamic tag a run path is written to. */
export type RpathTag = 'DT_RPATH' | 'DT_RUNPATH';

/** One change to an ELF file's dynamic section (soname, needed entries, run path). */
export type ElfEditOp =
  | { readonly kind: 'set-soname'; readonly soname: string }
  /** Rename a DT_NEEDED entry (and the Verneed naming it); a pair whose `from` is absent is a no-op. */
  | { readonly kind: 'replace-needed'; readonly from: string; readonly to: string }
  /** Drop a DT_NEEDED entry; refused when symbol versions are still required from it. */
  | { readonly kind: 'remove-needed'; readonly name: string }
  /** Leave exactly one DT_RPATH or DT_RUNPATH entry with this value. */
  | { readonly kind: 'set-rpath'; readonly value: string; readonly tag: RpathTag }
  /** Drop every DT_RPATH and DT_RUNPATH entry. */
  | { readonly kind: 'remove-rpath' };

/** A validated, order-independent plan. */
export interface ElfEditPlan {
  readonly soname: string | undefined;
  /** old name -> new name. */
  readonly replaceNeeded: ReadonlyMap<string, string>;
  readonly removeNeeded: ReadonlySet<string>;
  /** undefined: leave RPATH/RUNPATH alone; null: remove both; else set exactly one. */
  readonly rpath: { readonly value: string; readonly tag: RpathTag } | null | undefined;
}

function invalid(message: string): ElfFormatError {
  return new ElfFormatError('ELF_EDIT_INVALID', message);
}

function checkName(what: string, s: string, allowEmpty = false): void {
  if (!allowEmpty && s === '') throw invalid(`${what}: the name is empty`);
  if (s.includes('\0')) throw invalid(`${what}: the name contains a NUL byte`);
}

/**
 * Normalise a list of operations into a plan, refusing contradictions: a name both removed and
 * replaced (or replaced to two different names), RPATH both set and removed or set twice to
 * different values, SONAME set twice differently, empty or NUL-containing names.
 */
export function planElfEdit(ops: readonly ElfEditOp[]): ElfEditPlan {
  let soname: string | undefined;
  const replaceNeeded = new Map<string, string>();
  const removeNeeded = new Set<string>();
  let rpath: ElfEditPlan['rpath'];
  for (const op of ops) {
    switch (op.kind) {
      case 'set-soname':
        checkName('--set-soname', op.soname);
        if (soname !== undefined && soname !== op.soname) throw invalid(`SONAME set twice, to '${soname}' and '${op.soname}'`);
        soname = op.soname;
        break;
      case 'replace-needed': {
        checkName('--replace-needed', op.from);
        checkName('--replace-needed', op.to);
        const prev = replaceNeeded.get(op.from);
        if (prev !== undefined && prev !== op.to) throw invalid(`'${op.from}' is replaced twice, by '${prev}' and '${op.to}'`);
        if (removeNeeded.has(op.from) || removeNeeded.has(op.to)) throw invalid(`can't replace '${op.from}' with '${op.to}': '${removeNeeded.has(op.from) ? op.from : op.to}' is being removed`);
        if (op.from !== op.to) replaceNeeded.set(op.from, op.to);
        break;
      }
      case 'remove-needed':
        checkName('--remove-needed', op.name);
        for (const [from, to] of replaceNeeded) {
          if (from === op.name || to === op.name) throw invalid(`can't remove '${op.name}': it is part of a --replace-needed pair`);
        }
        removeNeeded.add(op.name);
        break;
      case 'set-rpath':
        checkName('--set-rpath', op.value, true);
        if (rpath === null) throw invalid('the run path is both set and removed');
        if (rpath !== undefined && (rpath.value !== op.value || rpath.tag !== op.tag)) throw invalid('the run path is set twice to different values');
        rpath = { value: op.value, tag: op.tag };
        break;
      case 'remove-rpath':
        if (rpath !== undefined && rpath !== null) throw invalid('the run path is both set and removed');
        rpath = null;
        break;
      default: {
        const never: never = op;
        throw invalid(`unknown edit ${JSON.stringify(never)}`);
      }
    }
  }
  // A chain a->b, b->c would depend on application order; refuse it.
  for (const to of replaceNeeded.values()) {
    if (replaceNeeded.has(to)) throw invalid(`'${to}' is both a replacement and replaced`);
  }
  return { soname, replaceNeeded, removeNeeded, rpath };
}

export function isEmptyPlan(p: ElfEditPlan): boolean {
  return p.soname === undefined && p.replaceNeeded.size === 0 && p.removeNeeded.size === 0 && p.rpath === undefined;
}
