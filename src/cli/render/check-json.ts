// `check --format json`: the document schemas/check.schema.json describes (version 1). Keys
// are snake_case; every blocker carries its kind and the facts that name the culprit; a
// wheel that could not be read carries an error instead of checks.
import type { Blocker } from '../../analyze/blockers.js';
import type { CheckResult, WheelCheck } from '../../analyze/check.js';
import type { DependencyChain } from '../../analyze/report.js';
import { blockerHint } from './blockers-text.js';
import type { JsonValue } from './pyjson.js';
import { abi3CheckJson, supplementJson } from './check-extras.js';

/** The version of the check document; bump it when a field changes meaning or goes away. */
export const CHECK_SCHEMA_VERSION = 1;

/** A wheel that could not be checked, with the error's stable code. */
export interface WheelFailure {
  readonly path: string;
  readonly wheel: string;
  readonly error: { readonly code: string; readonly message: string };
}

export type WheelOutcome = WheelCheck | WheelFailure;

export function isFailure(w: WheelOutcome): w is WheelFailure {
  return 'error' in w;
}

const chainJson = (c: DependencyChain): JsonValue => ({ file: c.elf, chain: [...c.chain] });

export function blockerJson(b: Blocker): JsonValue {
  switch (b.kind) {
    case 'symbol-version':
      return {
        kind: b.kind,
        library: b.library,
        version: b.version,
        best_tag: b.bestTag ?? null,
        importers: b.importers.map((i) => ({ file: i.file, grafted: i.grafted, realpath: i.realpath ?? null, symbols: [...i.symbols] })),
      };
    case 'blacklisted-symbol':
      return { kind: b.kind, file: b.file, library: b.library, symbols: [...b.symbols] };
    case 'external-library':
      return { kind: b.kind, soname: b.soname, realpath: b.realpath ?? null, chains: b.chains.map(chainJson) };
    case 'library-not-found':
      return { kind: b.kind, soname: b.soname, chains: b.chains.map(chainJson) };
    case 'isa':
      return { kind: b.kind, file: b.file, isa: b.isa, whitelisted_in: b.whitelistedIn ?? null, skip_flag: '--disable-isa-ext-check' };
    case 'ucs2':
    case 'pyfpe':
      return { kind: b.kind, file: b.file };
    case 'libc-mismatch':
      return { kind: b.kind, wheel_libc: b.wheelLibc, target_libc: b.targetLibc };
    case 'arch-mismatch':
      return { kind: b.kind, wheel_arch: b.wheelArch, target_arch: b.targetArch, files: [...b.files] };
    case 'elf-in-pure-wheel':
      return { kind: b.kind, files: [...b.files] };
  }
}

function checkJson(c: CheckResult): JsonValue {
  if (c.check === 'abi3') return abi3CheckJson(c);
  return {
    check: c.check,
    tag: c.tag,
    claimed_by: [...c.claimedBy],
    status: c.status,
    reason: c.reason ?? null,
    blockers: c.blockers.map(blockerJson),
    repair: c.repair === undefined ? null : { fixes: c.repair.fixes, blockers: c.repair.blockers.map(blockerJson) },
    hint: c.status === 'fail' ? (blockerHint(c.blockers, c.tag) ?? null) : null,
  };
}

function wheelJson(w: WheelOutcome): JsonValue {
  if (isFailure(w)) return { path: w.path, wheel: w.wheel, passed: false, error: { code: w.error.code, message: w.error.message } };
  return { path: w.path, wheel: w.wheel, passed: w.passed, checks: w.checks.map(checkJson), notes: [...w.notes], ...supplementJson(w.supplement) };
}

export function checkJsonDocument(wheels: readonly WheelOutcome[], tool: { name: string; version: string }): JsonValue {
  return {
    version: CHECK_SCHEMA_VERSION,
    tool: { name: tool.name, version: tool.version },
    passed: wheels.every((w) => !isFailure(w) && w.passed),
    wheels: wheels.map(wheelJson),
  };
}

/** The document for a command that failed before checking anything (a usage error). */
export function checkJsonError(code: string, message: string): JsonValue {
  return { version: CHECK_SCHEMA_VERSION, error: { code, message } };
}
