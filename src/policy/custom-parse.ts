// Reads a policy file a user passes with --policy-file, in either of two formats:
// auditwheel's (a JSON array of {name, aliases, priority, symbol_versions, lib_whitelist,
// blacklist}, complete facts per policy) or wheelaudit's own (policies/README.md: an object
// with "format", "libc" and "policies", whose lists are what each policy adds to the bundled
// policy of the same name, or for a new name to the policy above it; custom.ts merges).
// Every refusal names file:line:column of the bad value. Policy names
// must follow their family's spelling (manylinux_X_Y, musllinux_X_Y, android_N), so the tags
// stay ones that pip installs and that the rest of wheelaudit parses.
import { PolicyError } from '../errors.js';
import { describeNode, JsonSyntaxError, parseJsonWithPositions, type JsonMember, type JsonNode, type SourcePos } from './json-source.js';
import { POLICY_FORMAT } from './schema.js';
import { POLICY_NAME_FORMS, parsePolicyBase } from './tags.js';
import { BASE_ARCHES, isBaseArch, LIBCS, type BaseArch, type Libc } from './types.js';

/** One policy of a user file, not yet merged with the bundled ones. */
export interface CustomEntry {
  readonly libc: Libc;
  /** Base name without arch: 'manylinux_2_28'. */
  readonly name: string;
  readonly aliases: readonly string[];
  /** Undefined (delta format only): the bundled policy's of the same name. */
  readonly priority: number | undefined;
  /** Undefined (delta format only): the bundled policy's of the same name. */
  readonly arches: readonly BaseArch[] | undefined;
  /**
   * 'full': complete facts (auditwheel's format). 'delta' (wheelaudit's format): additions to
   * the bundled policy of the same name, or, for a new name, to the policy above it.
   */
  readonly mode: 'full' | 'delta';
  readonly libraryWhitelist: readonly string[];
  /** arch -> prefix -> full version names ('GLIBC_2.28'). */
  readonly symbolVersions: ReadonlyMap<BaseArch, ReadonlyMap<string, readonly string[]>>;
  /** undefined (delta format only): inherited from the policy above. */
  readonly blacklist: ReadonlyMap<string, readonly string[]> | undefined;
  /** `file:line:column` of the entry, and of its priority (for merge errors). */
  readonly at: string;
  readonly priorityAt: string;
}

const PREFIX_RE = /^[A-Z][A-Z0-9]*$/;
const VERSION_RE = /^[A-Za-z0-9][A-Za-z0-9._]*$/;
const SONAME_RE = /^[^\s/]+$/;
const SYMBOL_RE = /^[^\s]+$/;
const MAX_PRIORITY = 2 ** 31 - 1;

const AUDITWHEEL_KEYS = ['name', 'aliases', 'priority', 'symbol_versions', 'lib_whitelist', 'blacklist'] as const;
const AUDITWHEEL_REQUIRED = ['name', 'priority', 'symbol_versions', 'lib_whitelist'];
const OWN_TOP_KEYS = ['format', 'libc', 'policies'] as const;
const OWN_KEYS = ['name', 'aliases', 'priority', 'arches', 'libraryWhitelistAdded', 'symbolVersionsAdded', 'blacklist'] as const;
const OWN_REQUIRED = ['name'];

/** Reads one file; `label` is how messages name it. */
class FileReader {
  constructor(readonly label: string) {}

  where(pos: SourcePos): string {
    return `${this.label}:${pos.line}:${pos.column}`;
  }

  fail(pos: SourcePos, message: string): never {
    throw new PolicyError('POLICY_INVALID', `${this.where(pos)}: ${message}`);
  }

  expected(n: JsonNode, what: string, context: string): never {
    return this.fail(n.pos, `${context}: expected ${what}, found ${describeNode(n)}`);
  }

  object(n: JsonNode, context: string, keys?: readonly string[], required: readonly string[] = []): Map<string, JsonMember> {
    if (n.kind !== 'object') return this.expected(n, 'an object', context);
    const out = new Map<string, JsonMember>();
    for (const m of n.members) {
      if (keys !== undefined && !keys.includes(m.key)) this.fail(m.keyPos, `${context}: unknown member "${m.key}" (expected one of ${keys.join(', ')})`);
      out.set(m.key, m);
    }
    for (const k of required) if (!out.has(k)) this.fail(n.pos, `${context}: missing member "${k}"`);
    return out;
  }

  /** Distinct strings, each matching `re` or accepted by it (described as `what`). */
  strings(n: JsonNode, context: string, what: string, re: RegExp | ((s: string) => boolean)): string[] {
    const accepts = typeof re === 'function' ? re : (s: string): boolean => re.test(s);
    if (n.kind !== 'array') return this.expected(n, `an array of ${what}s`, context);
    const seen = new Set<string>();
    return n.items.map((item, i) => {
      const here = `${context}[${i}]`;
      if (item.kind !== 'string' || !accepts(item.value)) return this.expected(item, what, here);
      if (seen.has(item.value)) this.fail(item.pos, `${here}: duplicate ${JSON.stringify(item.value)}`);
      seen.add(item.value);
      return item.value;
    });
  }

  priority(n: JsonNode, context: string): number {
    if (n.kind !== 'number' || !Number.isInteger(n.value) || n.value < 1 || n.value > MAX_PRIORITY) {
      return this.expected(n, `an integer from 1 to ${MAX_PRIORITY} (0 is "linux")`, context);
    }
    return n.value;
  }

  /**
   * The libc a policy name belongs to (spelt as its family's current form, not a legacy
   * alias), and a check that an alias names the same libc (legacy manylinux aliases allowed).
   */
  family(n: JsonNode, context: string): { libc: Libc; name: string; aliasRe: (alias: string) => boolean } {
    const example = LIBCS.map((l) => POLICY_NAME_FORMS[l]).join(', ');
    if (n.kind !== 'string') return this.expected(n, `a policy name (${example})`, context);
    const f = parsePolicyBase(n.value);
    if (f === undefined || f.legacy) return this.expected(n, `a policy name (${example}; "linux" cannot be redefined)`, context);
    return { libc: f.libc, name: n.value, aliasRe: (alias) => parsePolicyBase(alias)?.libc === f.libc };
  }

  blacklist(n: JsonNode, context: string): Map<string, readonly string[]> {
    const out = new Map<string, readonly string[]>();
    for (const [soname, m] of this.object(n, context)) {
      if (!SONAME_RE.test(soname)) this.fail(m.keyPos, `${context}: ${JSON.stringify(soname)} is not a soname`);
      out.set(soname, this.strings(m.value, `${context}["${soname}"]`, 'a symbol name', SYMBOL_RE));
    }
    return out;
  }

  /** prefix -> full version names; `short` when versions are written without the prefix (auditwheel). */
  prefixes(n: JsonNode, context: string, short: boolean): Map<string, readonly string[]> {
    const out = new Map<string, readonly string[]>();
    for (const [prefix, m] of this.object(n, context)) {
      if (!PREFIX_RE.test(prefix)) this.fail(m.keyPos, `${context}: version prefix ${JSON.stringify(prefix)} must be upper-case letters and digits, like GLIBC`);
      const here = `${context}.${prefix}`;
      if (short) {
        out.set(prefix, this.strings(m.value, here, `a version such as "2.17"`, VERSION_RE).map((v) => `${prefix}_${v}`));
      } else {
        const full = new RegExp(`^${prefix}_[A-Za-z0-9][A-Za-z0-9._]*$`);
        out.set(prefix, this.strings(m.value, here, `a version name "${prefix}_<version>"`, full));
      }
    }
    return out;
  }

  /** arch -> prefix map; every key must be a known architecture. */
  arches(n: JsonNode, context: string, short: boolean, allowed?: readonly BaseArch[]): Map<BaseArch, Map<string, readonly string[]>> {
    const out = new Map<BaseArch, Map<string, readonly string[]>>();
    for (const [arch, m] of this.object(n, context)) {
      if (!isBaseArch(arch)) this.fail(m.keyPos, `${context}: unknown architecture "${arch}" (expected one of ${BASE_ARCHES.join(', ')})`);
      if (allowed !== undefined && !allowed.includes(arch)) this.fail(m.keyPos, `${context}: architecture "${arch}" is not listed in "arches"`);
      out.set(arch, this.prefixes(m.value, `${context}.${arch}`, short));
    }
    return out;
  }
}

function isStandardLinux(r: FileReader, n: JsonNode): boolean {
  if (n.kind !== 'object') return false;
  const name = n.members.find((m) => m.key === 'name')?.value;
  if (name?.kind !== 'string' || name.value !== 'linux') return false;
  const empty = n.members.every((m) => {
    if (m.key === 'name') return true;
    if (m.key === 'priority') return m.value.kind === 'number' && m.value.value === 0;
    return (m.value.kind === 'array' && m.value.items.length === 0) || (m.value.kind === 'object' && m.value.members.length === 0);
  });
  if (!empty) r.fail(n.pos, 'the "linux" policy cannot be redefined (it must have priority 0 and no facts)');
  return true;
}

function auditwheelEntry(r: FileReader, n: JsonNode, i: number): CustomEntry {
  const ctx = `policy ${i}`;
  const o = r.object(n, ctx, AUDITWHEEL_KEYS, AUDITWHEEL_REQUIRED);
  const get = (k: string): JsonMember => o.get(k) as JsonMember;
  const fam = r.family(get('name').value, `${ctx}.name`);
  const c = `policy ${i} ("${fam.name}")`;
  const aliases = o.has('aliases') ? r.strings(get('aliases').value, `${c}.aliases`, 'an alias of the same family', fam.aliasRe) : [];
  const priority = r.priority(get('priority').value, `${c}.priority`);
  const symbolVersions = r.arches(get('symbol_versions').value, `${c}.symbol_versions`, true);
  if (symbolVersions.size === 0) r.fail(get('symbol_versions').value.pos, `${c}.symbol_versions: expected at least one architecture`);
  return {
    libc: fam.libc,
    name: fam.name,
    aliases,
    priority,
    arches: [...symbolVersions.keys()],
    mode: 'full',
    libraryWhitelist: r.strings(get('lib_whitelist').value, `${c}.lib_whitelist`, 'a soname', SONAME_RE),
    symbolVersions,
    blacklist: o.has('blacklist') ? r.blacklist(get('blacklist').value, `${c}.blacklist`) : new Map(),
    at: r.where(n.pos),
    priorityAt: r.where(get('priority').value.pos),
  };
}

function ownEntry(r: FileReader, n: JsonNode, i: number, libc: Libc): CustomEntry {
  const ctx = `policies[${i}]`;
  const o = r.object(n, ctx, OWN_KEYS, OWN_REQUIRED);
  const get = (k: string): JsonMember => o.get(k) as JsonMember;
  const fam = r.family(get('name').value, `${ctx}.name`);
  if (fam.libc !== libc) r.fail(get('name').value.pos, `${ctx}.name: "${fam.name}" is a ${fam.libc} policy, but the file's "libc" is "${libc}"`);
  const c = `policies[${i}] ("${fam.name}")`;
  let arches: BaseArch[] | undefined;
  const archesNode = o.get('arches')?.value;
  if (archesNode !== undefined) {
    const names = r.strings(archesNode, `${c}.arches`, `one of ${BASE_ARCHES.join(', ')}`, /^[a-z0-9_]+$/);
    arches = names.map((a, j) => (isBaseArch(a) ? a : r.expected((archesNode as { items: readonly JsonNode[] }).items[j] as JsonNode, `one of ${BASE_ARCHES.join(', ')}`, `${c}.arches[${j}]`)));
    if (arches.length === 0) r.fail(archesNode.pos, `${c}.arches: expected at least one architecture`);
  }
  const priorityNode = o.get('priority')?.value;
  return {
    libc,
    name: fam.name,
    aliases: o.has('aliases') ? r.strings(get('aliases').value, `${c}.aliases`, 'an alias of the same family', fam.aliasRe) : [],
    priority: priorityNode === undefined ? undefined : r.priority(priorityNode, `${c}.priority`),
    arches,
    mode: 'delta',
    libraryWhitelist: o.has('libraryWhitelistAdded') ? r.strings(get('libraryWhitelistAdded').value, `${c}.libraryWhitelistAdded`, 'a soname', SONAME_RE) : [],
    symbolVersions: o.has('symbolVersionsAdded') ? r.arches(get('symbolVersionsAdded').value, `${c}.symbolVersionsAdded`, false, arches) : new Map(),
    blacklist: o.has('blacklist') ? r.blacklist(get('blacklist').value, `${c}.blacklist`) : undefined,
    at: r.where(n.pos),
    priorityAt: r.where((priorityNode ?? n).pos),
  };
}

/**
 * Parse one user policy file (`text`, named `label` in messages). Returns its policies in file
 * order. Throws PolicyError POLICY_INVALID with `label:line:column: what` for the first problem.
 */
export function parseCustomPolicyFile(text: string, label: string): CustomEntry[] {
  const r = new FileReader(label);
  let root: JsonNode;
  try {
    root = parseJsonWithPositions(text);
  } catch (e) {
    if (e instanceof JsonSyntaxError) r.fail(e.pos, `not valid JSON: ${e.reason}`);
    throw e;
  }
  let entries: CustomEntry[];
  if (root.kind === 'array') {
    entries = root.items.flatMap((n, i) => (isStandardLinux(r, n) ? [] : [auditwheelEntry(r, n, i)]));
  } else if (root.kind === 'object') {
    const o = r.object(root, 'the file', OWN_TOP_KEYS, OWN_TOP_KEYS);
    const format = (o.get('format') as JsonMember).value;
    if (format.kind !== 'string' || format.value !== POLICY_FORMAT) r.expected(format, `"${POLICY_FORMAT}"`, '"format"');
    const libcNode = (o.get('libc') as JsonMember).value;
    if (libcNode.kind !== 'string' || !(LIBCS as readonly string[]).includes(libcNode.value)) r.expected(libcNode, `one of ${LIBCS.join(', ')}`, '"libc"');
    const libc = (libcNode as { value: string }).value as Libc;
    const list = (o.get('policies') as JsonMember).value;
    if (list.kind !== 'array') return r.expected(list, 'an array of policies', '"policies"');
    entries = list.items.flatMap((n, i) => (isStandardLinux(r, n) ? [] : [ownEntry(r, n, i, libc)]));
  } else {
    return r.expected(root, `an array of policies (auditwheel's format) or an object with "format": "${POLICY_FORMAT}"`, 'the file');
  }
  const seen = new Map<string, string>();
  for (const e of entries) {
    for (const n of [e.name, ...e.aliases]) {
      const other = seen.get(`${e.libc}:${n}`);
      if (other !== undefined) throw new PolicyError('POLICY_INVALID', `${e.at}: name "${n}" is also used by the policy at ${other}`);
      seen.set(`${e.libc}:${n}`, e.at);
    }
  }
  return entries;
}
