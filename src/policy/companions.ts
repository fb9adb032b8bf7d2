// Companions: libraries that a whitelisted system library is guaranteed to bring with it, with
// a stable soname, on every target of the policies that whitelist it (today GLVND's libGL.so.1,
// which always loads libGLX.so.0 and libGLdispatch.so.0). Only these are left out of the graft
// set when the whitelisted library is loaded; every other dependency is grafted, because the
// build machine's copy of a whitelisted library says nothing about what the target's copy
// loads (libgobject links libffi.so.6, .7 or .8 depending on the distribution).
// Reads and validates policies/companions.json (format "wheelaudit-companions/1").
import { PolicyError } from '../errors.js';
import { packageFilePath, readPackageFile } from '../util/package-files.js';
import { SONAME_RE, asObject, asStringList, expectedAt, field, invalidAt, isLibc, jsonIndex, jsonKey } from './schema.js';
import type { JsonPath } from './schema.js';
import { LIBCS } from './types.js';
import type { Companion, Libc } from './types.js';

export const COMPANIONS_FORMAT = 'wheelaudit-companions/1';

const TOP_KEYS = ['format', 'companions'] as const;
const ENTRY_KEYS = ['library', 'libc', 'brings', 'label', 'reason'] as const;

/** Short names used in messages: 'GLVND'. */
const LABEL_RE = /^[A-Za-z0-9][A-Za-z0-9 ._+-]{0,39}$/;

function text(v: unknown, at: JsonPath, what: string, re?: RegExp): string {
  if (typeof v !== 'string' || v.trim() === '' || (re !== undefined && !re.test(v))) throw expectedAt(at, what, v);
  return v;
}

function parseEntry(v: unknown, at: JsonPath): Companion {
  const obj = asObject(v, at, ENTRY_KEYS);
  const library = text(field(obj, 'library'), jsonKey(at, 'library'), 'a soname', SONAME_RE);
  const libcAt = jsonKey(at, 'libc');
  const libc = field(obj, 'libc');
  if (!isLibc(libc)) throw expectedAt(libcAt, `one of ${LIBCS.join(', ')}`, libc);
  const bringsAt = jsonKey(at, 'brings');
  const brings = asStringList(field(obj, 'brings'), bringsAt, 'a soname', SONAME_RE);
  if (brings.length === 0) throw expectedAt(bringsAt, 'at least one soname', field(obj, 'brings'));
  const self = brings.indexOf(library);
  if (self >= 0) throw invalidAt(jsonIndex(bringsAt, self), `"${library}" cannot bring itself`);
  const label = text(field(obj, 'label'), jsonKey(at, 'label'), 'a short name such as "GLVND" (letters, digits, at most 40 characters)', LABEL_RE);
  const reason = text(field(obj, 'reason'), jsonKey(at, 'reason'), 'a non-empty explanation');
  return { library, libc, brings, label, reason };
}

/**
 * Validate parsed JSON as a companions file (`file` labels messages). Throws PolicyError
 * POLICY_INVALID naming the file and the JSON path of the first problem.
 */
export function parseCompanionsFile(json: unknown, file: string): readonly Companion[] {
  const root: JsonPath = { file, path: '$' };
  const obj = asObject(json, root, TOP_KEYS);
  const format = field(obj, 'format');
  if (format !== COMPANIONS_FORMAT) throw expectedAt(jsonKey(root, 'format'), JSON.stringify(COMPANIONS_FORMAT), format);
  const listAt = jsonKey(root, 'companions');
  const list = field(obj, 'companions');
  if (!Array.isArray(list)) throw expectedAt(listAt, 'an array of companion rules', list);
  const out: Companion[] = [];
  const seen = new Map<string, number>();
  list.forEach((e: unknown, i) => {
    const c = parseEntry(e, jsonIndex(listAt, i));
    const key = `${c.libc}\0${c.library}`;
    const first = seen.get(key);
    if (first !== undefined) throw invalidAt(jsonIndex(listAt, i), `"${c.library}" (${c.libc}) already has a rule at $.companions[${first}]; list everything it brings there`);
    seen.set(key, i);
    out.push(c);
  });
  return out;
}

/**
 * Check the rules against a libc's policies: each rule's library must be whitelisted by at
 * least one of them (otherwise the rule can never apply: a misspelt soname).
 */
export function checkCompanions(companions: readonly Companion[], libc: Libc, whitelists: readonly ReadonlySet<string>[], file: string): void {
  companions.forEach((c, i) => {
    if (c.libc !== libc) return;
    if (!whitelists.some((w) => w.has(c.library))) {
      throw invalidAt({ file, path: `$.companions[${i}].library` }, `"${c.library}" is not whitelisted by any ${libc} policy, so this rule can never apply`);
    }
  });
}

let cache: readonly Companion[] | undefined;

/** The rules of policies/companions.json, read once per process. */
export function loadCompanions(): readonly Companion[] {
  if (cache !== undefined) return cache;
  const label = 'policies/companions.json';
  let json: unknown;
  try {
    json = JSON.parse(readPackageFile(label));
  } catch (cause) {
    const why = cause instanceof Error ? cause.message : String(cause);
    throw new PolicyError('POLICY_INVALID', `${label}: cannot read ${packageFilePath(label)} as JSON (${why})`, {
      cause,
      hint: 'the policies/ folder ships with wheelaudit; reinstall the package',
    });
  }
  cache = parseCompanionsFile(json, label);
  return cache;
}

/** The rules that apply under a policy of `libc` whitelisting `whitelist`, by whitelisted soname. */
export function companionsFor(companions: readonly Companion[], libc: Libc, whitelist: ReadonlySet<string>): ReadonlyMap<string, Companion> {
  return new Map(companions.filter((c) => c.libc === libc && whitelist.has(c.library)).map((c) => [c.library, c]));
}
