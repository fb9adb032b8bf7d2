// The CPython stable ABI as data: which exported symbols (functions and data) belong to it and
// the Python version that added each one, from policies/stable-abi.json (derived from CPython's
// Misc/stable_abi.toml by policies/stable-abi.py). Deals in names and versions only; refuses a
// data file whose shape or versions are not as documented (POLICY_INVALID).

import { PolicyError } from '../errors.js';
import { packageFilePath, readPackageFile } from '../util/package-files.js';

export const STABLE_ABI_FORMAT = 'wheelaudit-stable-abi/1';

/** A Python minor version: 3.8 is [3, 8]. */
export type PyVersion = readonly [number, number];

export interface StableAbiSymbol {
  readonly name: string;
  /** The version whose stable ABI first contains the symbol. */
  readonly added: PyVersion;
  readonly kind: 'function' | 'data';
  /** Part of the stable ABI for compiled code (called by macros), not of the documented Limited API. */
  readonly abiOnly: boolean;
  /** The feature macro the symbol depends on (MS_WINDOWS, HAVE_FORK, Py_REF_DEBUG...). */
  readonly ifdef: string | undefined;
}

export interface StableAbi {
  /** The python/cpython commit the data was derived from. */
  readonly commit: string;
  readonly provenance: string;
  readonly symbols: ReadonlyMap<string, StableAbiSymbol>;
}

/** '3.12' -> [3, 12]; undefined for anything else. */
export function parsePyVersion(s: string): PyVersion | undefined {
  const m = /^(\d+)\.(\d+)$/.exec(s);
  if (m === null) return undefined;
  return [Number(m[1]), Number(m[2])];
}

export function formatPyVersion(v: PyVersion): string {
  return `${v[0]}.${v[1]}`;
}

/** Negative when a is older than b. */
export function comparePyVersions(a: PyVersion, b: PyVersion): number {
  return a[0] - b[0] || a[1] - b[1];
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * Validate parsed JSON as a stable-ABI data file. `label` names the file in messages.
 * Throws PolicyError POLICY_INVALID naming the symbol and the bad field.
 */
export function parseStableAbi(json: unknown, label: string): StableAbi {
  const bad = (what: string): PolicyError => new PolicyError('POLICY_INVALID', `${label}: ${what}`);
  if (!isRecord(json)) throw bad('expected a JSON object');
  if (json['format'] !== STABLE_ABI_FORMAT) throw bad(`"format": expected "${STABLE_ABI_FORMAT}", found ${JSON.stringify(json['format'])}`);
  const commit = json['commit'];
  if (typeof commit !== 'string' || !/^[0-9a-f]{40}$/.test(commit)) throw bad('"commit": expected 40 hex digits');
  const provenance = json['provenance'];
  if (typeof provenance !== 'string' || !provenance.includes(commit)) throw bad('"provenance": expected a line naming the commit');
  const raw = json['symbols'];
  if (!isRecord(raw)) throw bad('"symbols": expected an object');
  const symbols = new Map<string, StableAbiSymbol>();
  for (const [name, entry] of Object.entries(raw)) {
    const at = `"symbols"."${name}"`;
    if (!/^_?Py[A-Za-z0-9_]*$/.test(name)) throw bad(`${at}: not a Python C-API symbol name`);
    if (!isRecord(entry)) throw bad(`${at}: expected an object`);
    const added = typeof entry['added'] === 'string' ? parsePyVersion(entry['added']) : undefined;
    if (added?.[0] !== 3) throw bad(`${at}.added: expected a version like "3.2", found ${JSON.stringify(entry['added'])}`);
    const kind = entry['kind'];
    if (kind !== 'function' && kind !== 'data') throw bad(`${at}.kind: expected "function" or "data", found ${JSON.stringify(kind)}`);
    const abiOnly = entry['abiOnly'] ?? false;
    if (typeof abiOnly !== 'boolean') throw bad(`${at}.abiOnly: expected true or false`);
    const ifdef = entry['ifdef'];
    if (ifdef !== undefined && typeof ifdef !== 'string') throw bad(`${at}.ifdef: expected a macro name`);
    symbols.set(name, { name, added, kind, abiOnly, ifdef });
  }
  return { commit, provenance, symbols };
}

let cached: StableAbi | undefined;

/** policies/stable-abi.json, validated; read once per process. */
export function loadStableAbi(): StableAbi {
  if (cached !== undefined) return cached;
  const label = 'policies/stable-abi.json';
  let json: unknown;
  try {
    json = JSON.parse(readPackageFile(label));
  } catch (cause) {
    throw new PolicyError('POLICY_INVALID', `cannot read ${packageFilePath(label)}: ${cause instanceof Error ? cause.message : String(cause)}`, {
      cause,
      hint: 'the policies/ folder ships with wheelaudit; reinstall the package',
    });
  }
  cached = parseStableAbi(json, 'policies/stable-abi.json');
  return cached;
}
