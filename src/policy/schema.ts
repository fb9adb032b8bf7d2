// Hand-written validation of a policies/*.json file (format "wheelaudit-policies/1"):
// unknown JSON in, typed PolicyFile out. Checks the shape and the file-level rules (order,
// unique names, the linux entry); adding up the deltas and PEP 600 live in load.ts.
// Refuses unknown keys, duplicates inside a list, and anything not spelled as documented
// in policies/README.md. Every message names the file and the JSON path.

import { PolicyError } from '../errors.js';
import { POLICY_NAME_FORMS, parsePolicyBase } from './tags.js';
import { BASE_ARCHES, LIBCS, isBaseArch } from './types.js';
import type { BaseArch, Libc } from './types.js';

export const POLICY_FORMAT = 'wheelaudit-policies/1';

/** The name of the catch-all policy every file ends with. */
export const LINUX_POLICY = 'linux';

/** One entry as written in the file: list-valued facts are what it adds to the entry above. */
export interface PolicyFileEntry {
  readonly name: string;
  readonly aliases: readonly string[];
  readonly priority: number;
  readonly arches: readonly BaseArch[];
  readonly libraryWhitelistAdded: readonly string[];
  /** arch -> prefix -> full version names added for that arch. Arches not listed add nothing. */
  readonly symbolVersionsAdded: ReadonlyMap<BaseArch, ReadonlyMap<string, readonly string[]>>;
  /** Given in full (blacklists shrink as priority falls, so they are not deltas). */
  readonly blacklist: ReadonlyMap<string, readonly string[]>;
}

export interface PolicyFile {
  readonly format: typeof POLICY_FORMAT;
  readonly libc: Libc;
  /** In file order: strictly descending priority, `linux` last. */
  readonly policies: readonly PolicyFileEntry[];
}

const TOP_KEYS = ['format', 'libc', 'policies'] as const;
const ENTRY_KEYS = [
  'name',
  'aliases',
  'priority',
  'arches',
  'libraryWhitelistAdded',
  'symbolVersionsAdded',
  'blacklist',
] as const;

/** Policy names and aliases: lower-case words joined by '_' ('manylinux_2_17', 'manylinux2014'). */
const NAME_RE = /^[a-z][a-z0-9]*(?:_[a-z0-9]+)*$/;
/** Version-definition prefixes: 'GLIBC', 'CXXABI', 'LIBATOMIC'. */
const PREFIX_RE = /^[A-Z][A-Z0-9]*$/;
/** What follows '<PREFIX>_' in a version name: '2.17', 'LDBL_1.3', 'ABI_DT_RELR'. */
const VERSION_TAIL_RE = /^[A-Za-z0-9][A-Za-z0-9._]*$/;
/** Sonames and symbol names: printable, no whitespace, no path separator. */
export const SONAME_RE = /^[^\s/]+$/;
const SYMBOL_RE = /^[^\s]+$/;

/**
 * Where in a policy file a problem is: the file label and a JSON path such as
 * `$.policies[3].blacklist["libz.so.1"][0]`.
 */
export interface JsonPath {
  readonly file: string;
  readonly path: string;
}

/** The path of member `k` of the object at `at`. */
export function jsonKey(at: JsonPath, k: string): JsonPath {
  const step = /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(k) ? `.${k}` : `[${JSON.stringify(k)}]`;
  return { file: at.file, path: at.path + step };
}

/** The path of element `i` of the array at `at`. */
export function jsonIndex(at: JsonPath, i: number): JsonPath {
  return { file: at.file, path: `${at.path}[${i}]` };
}

/** A POLICY_INVALID error for a rule broken at `at`; `message` is given whole. */
export function invalidAt(at: JsonPath, message: string): PolicyError {
  return new PolicyError('POLICY_INVALID', `${at.file}: ${at.path}: ${message}`);
}

/** A value of the wrong type or spelling: "expected X, found Y". */
export function expectedAt(at: JsonPath, what: string, found: unknown): PolicyError {
  return invalidAt(at, `expected ${what}, found ${describe(found)}`);
}

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return `an array of ${v.length}`;
  switch (typeof v) {
    case 'string': {
      const s = JSON.stringify(v);
      return `string ${s.length > 60 ? `${s.slice(0, 57)}...` : s}`;
    }
    case 'number':
      return `number ${v}`;
    case 'boolean':
      return String(v);
    case 'object':
      return 'an object';
    default:
      return typeof v;
  }
}

export function isLibc(v: unknown): v is Libc {
  return typeof v === 'string' && (LIBCS as readonly string[]).includes(v);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

export function asObject(v: unknown, at: JsonPath, keys?: readonly string[]): Record<string, unknown> {
  if (!isPlainObject(v)) throw expectedAt(at, 'an object', v);
  if (keys !== undefined) {
    for (const k of Object.keys(v)) {
      if (!keys.includes(k)) {
        throw invalidAt(jsonKey(at, k), `unknown key (expected one of ${keys.join(', ')})`);
      }
    }
    for (const k of keys) {
      if (!Object.hasOwn(v, k)) throw invalidAt(at, `missing key "${k}"`);
    }
  }
  return v;
}

export function field(obj: Record<string, unknown>, key: string): unknown {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** An array of distinct strings, each matching `re` when given (described as `what`). */
export function asStringList(v: unknown, at: JsonPath, what: string, re?: RegExp): string[] {
  if (!Array.isArray(v)) throw expectedAt(at, `an array of ${what}`, v);
  const seen = new Set<string>();
  const out: string[] = [];
  v.forEach((item: unknown, i) => {
    const here = jsonIndex(at, i);
    if (typeof item !== 'string') throw expectedAt(here, what, item);
    if (re !== undefined && !re.test(item)) throw expectedAt(here, what, item);
    if (seen.has(item)) throw invalidAt(here, `duplicate ${JSON.stringify(item)}`);
    seen.add(item);
    out.push(item);
  });
  return out;
}

function parseEntry(v: unknown, at: JsonPath): PolicyFileEntry {
  const obj = asObject(v, at, ENTRY_KEYS);

  const nameAt = jsonKey(at, 'name');
  const name = field(obj, 'name');
  if (typeof name !== 'string' || !NAME_RE.test(name)) {
    throw expectedAt(nameAt, 'a policy name such as "manylinux_2_17"', name);
  }

  const aliases = asStringList(field(obj, 'aliases'), jsonKey(at, 'aliases'), 'a policy name', NAME_RE);

  const priority = field(obj, 'priority');
  if (typeof priority !== 'number' || !Number.isSafeInteger(priority) || priority < 0) {
    throw expectedAt(jsonKey(at, 'priority'), 'a non-negative integer', priority);
  }

  const archesAt = jsonKey(at, 'arches');
  const archNames = asStringList(field(obj, 'arches'), archesAt, `one of ${BASE_ARCHES.join(', ')}`);
  const arches: BaseArch[] = [];
  archNames.forEach((a, i) => {
    if (!isBaseArch(a)) throw expectedAt(jsonIndex(archesAt, i), `one of ${BASE_ARCHES.join(', ')}`, a);
    arches.push(a);
  });
  if (arches.length === 0) throw expectedAt(archesAt, 'at least one architecture', field(obj, 'arches'));

  const libraryWhitelistAdded = asStringList(
    field(obj, 'libraryWhitelistAdded'),
    jsonKey(at, 'libraryWhitelistAdded'),
    'a soname',
    SONAME_RE,
  );

  const svAt = jsonKey(at, 'symbolVersionsAdded');
  const svObj = asObject(field(obj, 'symbolVersionsAdded'), svAt);
  const symbolVersionsAdded = new Map<BaseArch, ReadonlyMap<string, readonly string[]>>();
  for (const [arch, perArch] of Object.entries(svObj)) {
    const archAt = jsonKey(svAt, arch);
    if (!isBaseArch(arch)) {
      throw invalidAt(archAt, `unknown architecture (expected one of ${BASE_ARCHES.join(', ')})`);
    }
    if (!arches.includes(arch)) throw invalidAt(archAt, `architecture not listed in "arches"`);
    const prefixes = new Map<string, readonly string[]>();
    for (const [prefix, versions] of Object.entries(asObject(perArch, archAt))) {
      const prefixAt = jsonKey(archAt, prefix);
      if (!PREFIX_RE.test(prefix)) {
        throw invalidAt(prefixAt, 'version prefix must be upper-case letters and digits, like GLIBC');
      }
      const list = asStringList(versions, prefixAt, `a version name "${prefix}_<version>"`);
      list.forEach((full, i) => {
        if (!full.startsWith(`${prefix}_`) || !VERSION_TAIL_RE.test(full.slice(prefix.length + 1))) {
          throw expectedAt(jsonIndex(prefixAt, i), `a version name "${prefix}_<version>"`, full);
        }
      });
      prefixes.set(prefix, list);
    }
    symbolVersionsAdded.set(arch, prefixes);
  }

  const blAt = jsonKey(at, 'blacklist');
  const blacklist = new Map<string, readonly string[]>();
  for (const [soname, symbols] of Object.entries(asObject(field(obj, 'blacklist'), blAt))) {
    const soAt = jsonKey(blAt, soname);
    if (!SONAME_RE.test(soname)) throw invalidAt(soAt, 'not a valid soname');
    blacklist.set(soname, asStringList(symbols, soAt, 'a symbol name', SYMBOL_RE));
  }

  return { name, aliases, priority, arches, libraryWhitelistAdded, symbolVersionsAdded, blacklist };
}

/** The file-level rules: names, order, unique names and aliases, and the shape of `linux`. */
function checkFileRules(libc: Libc, policies: readonly PolicyFileEntry[], at: JsonPath): void {
  const owner = new Map<string, string>();
  policies.forEach((p, i) => {
    const here = jsonIndex(at, i);
    const spelled = parsePolicyBase(p.name);
    if (p.name !== LINUX_POLICY && (spelled?.libc !== libc || spelled.legacy)) {
      throw expectedAt(jsonKey(here, 'name'), `"linux" or a name like ${POLICY_NAME_FORMS[libc]}`, p.name);
    }
    for (const n of [p.name, ...p.aliases]) {
      const other = owner.get(n);
      if (other !== undefined) throw invalidAt(here, `name "${n}" is already used by policy "${other}"`);
      owner.set(n, p.name);
    }
    const prev = policies[i - 1];
    if (prev !== undefined && p.priority >= prev.priority) {
      throw invalidAt(
        jsonKey(here, 'priority'),
        `policies must be listed by strictly descending priority, ` +
          `found ${p.priority} after ${prev.priority} ("${prev.name}")`,
      );
    }
    const isLast = i === policies.length - 1;
    if (p.name === LINUX_POLICY) {
      if (!isLast) throw invalidAt(here, `"linux" must be the last policy`);
      if (p.priority !== 0) throw expectedAt(jsonKey(here, 'priority'), '0 for "linux"', p.priority);
      if (p.arches.length !== BASE_ARCHES.length) {
        const all = BASE_ARCHES.join(', ');
        throw invalidAt(jsonKey(here, 'arches'), `"linux" must list every architecture (${all})`);
      }
      const empty =
        p.aliases.length === 0 &&
        p.libraryWhitelistAdded.length === 0 &&
        p.symbolVersionsAdded.size === 0 &&
        p.blacklist.size === 0;
      if (!empty) throw invalidAt(here, `"linux" must have no aliases, libraries, symbol versions or blacklist`);
    } else {
      if (p.priority === 0) throw invalidAt(jsonKey(here, 'priority'), 'priority 0 is reserved for "linux"');
      if (isLast) throw invalidAt(here, `the last policy must be "linux", found "${p.name}"`);
    }
  });
}

/**
 * Validate parsed JSON as a policy file. `file` labels messages, e.g. 'policies/manylinux.json'.
 * `expectedLibc`, when given, must match the file's own "libc".
 * Throws PolicyError POLICY_INVALID naming the file and JSON path of the first problem.
 */
export function parsePolicyFile(json: unknown, file: string, expectedLibc?: Libc): PolicyFile {
  const root: JsonPath = { file, path: '$' };
  const obj = asObject(json, root, TOP_KEYS);

  const format = field(obj, 'format');
  if (format !== POLICY_FORMAT) {
    throw expectedAt(jsonKey(root, 'format'), JSON.stringify(POLICY_FORMAT), format);
  }

  const libcAt = jsonKey(root, 'libc');
  const libc = field(obj, 'libc');
  if (!isLibc(libc)) throw expectedAt(libcAt, `one of ${LIBCS.join(', ')}`, libc);
  if (expectedLibc !== undefined && libc !== expectedLibc) {
    throw expectedAt(libcAt, `"${expectedLibc}"`, libc);
  }

  const listAt = jsonKey(root, 'policies');
  const list = field(obj, 'policies');
  if (!Array.isArray(list)) throw expectedAt(listAt, 'an array of policies', list);
  if (list.length === 0) throw expectedAt(listAt, 'at least the "linux" policy', list);
  const policies = list.map((e: unknown, i) => parseEntry(e, jsonIndex(listAt, i)));
  checkFileRules(libc, policies, listAt);

  return { format: POLICY_FORMAT, libc, policies };
}
