// The audit report: every verdict the reference computes, plus the attribution it lacks
// (which file needs each external library and versioned symbol, through which chain, and
// which policies that rules out). Compliance problems are findings in here, never exceptions.
import type { Libc, Policy, PolicySet } from '../policy/types.js';
import type { WheelName } from '../wheel/name.js';
import type { ElfSummary } from './elf-summary.js';
import type { DynamicExecutable, LogLevel } from './lddtree.js';
import type { ExternalRefs, VersionedSymbols } from './policy-check.js';

/** A message produced while auditing or repairing, with its level; the CLI prints them on stderr. */
export interface LogRecord {
  readonly level: LogLevel;
  readonly message: string;
}

/** What an ELF file of the wheel is: a Python extension, a library, or an executable. */
export type ElfRole = 'extension' | 'library' | 'executable';

/** One ELF file of the wheel that the analysis accepted. */
export interface WheelElf {
  /** Entry name inside the wheel. */
  readonly path: string;
  readonly role: ElfRole;
  /** Not needed by any other ELF of the wheel (extensions always are). */
  readonly topLevel: boolean;
  readonly summary: ElfSummary;
  readonly tree: DynamicExecutable;
}

/** A way `elf` reaches `library`: the sonames from its own DT_NEEDED down to it. */
export interface DependencyChain {
  readonly elf: string;
  readonly chain: readonly string[];
}

/** One compliance problem of the wheel, with the files that cause it and the policies it rules out. */
export type Finding =
  | {
      readonly kind: 'external-lib';
      readonly soname: string;
      readonly realpath: string | undefined;
      readonly neededBy: readonly DependencyChain[];
      /** Policies under which this library is not whitelisted (it would have to be bundled). */
      readonly externalFor: readonly string[];
    }
  | {
      readonly kind: 'symbol-version-too-new';
      readonly library: string;
      readonly version: string;
      /** Wheel entries or external library sonames that require the version. */
      readonly requiredBy: readonly string[];
      /** Policies that do not allow this version. */
      readonly rulesOut: readonly string[];
    }
  | {
      readonly kind: 'blacklisted-symbol';
      readonly elf: string;
      readonly library: string;
      readonly symbols: readonly string[];
      readonly rulesOut: readonly string[];
    }
  | {
      readonly kind: 'unsupported-isa';
      readonly file: string;
      readonly isa: string;
      /** The best policy that whitelists this library, when it is an external one. */
      readonly whitelistedIn: string | undefined;
    }
  | {
      readonly kind: 'provided-by-whitelisted';
      readonly soname: string;
      /** The whitelisted library that brings it on every target (policies/companions.json). */
      readonly providedBy: string;
      /** The rule's short name: 'GLVND'. */
      readonly rule: string;
      /** Why the guarantee holds. */
      readonly reason: string;
      /** The policies under which it is left out (those whitelisting `providedBy`). */
      readonly policies: readonly string[];
    }
  | { readonly kind: 'libpython-linked'; readonly elf: string; readonly soname: string }
  | { readonly kind: 'pyfpe'; readonly elf: string }
  | { readonly kind: 'ucs2'; readonly elf: string };

/** Everything `show` reports about one platform wheel: the verdict per check, the external references and the findings. */
export interface AuditReport {
  readonly wheel: string;
  readonly name: WheelName;
  readonly libc: Libc;
  readonly arch: string;
  readonly policies: PolicySet;
  readonly overall: Policy;
  readonly sym: Policy;
  readonly ucs: Policy;
  readonly pyfpe: Policy;
  readonly blacklist: Policy;
  readonly machine: Policy;
  readonly ref: Policy;
  readonly graft: Policy;
  /** The versioned symbols behind `sym` (the wheel's own plus those of libraries grafted under it). */
  readonly versionedSymbols: VersionedSymbols;
  /** Aggregate over the top-level ELFs, per policy name. */
  readonly externalRefs: ExternalRefs;
  /** Per accepted ELF (entry name), per policy name: what repair grafts. */
  readonly fullExternalRefs: ReadonlyMap<string, ExternalRefs>;
  readonly elves: readonly WheelElf[];
  /** Each --exclude pattern, in the order given, with the sonames and paths it matched (maybe none). */
  readonly excluded?: ReadonlyMap<string, readonly string[]>;
  readonly findings: readonly Finding[];
  readonly logs: readonly LogRecord[];
}
