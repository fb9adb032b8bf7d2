// The CycloneDX 1.4 SBOM written to `<dist-info>/sboms/auditwheel.cdx.json` after a repair
// (spec §6.12): the wheel plus one component per grafted file whose system package is known.
// Pure: owners are looked up beforehand (package-owner.ts). Text matches Python's `json.dumps`
// defaults byte for byte, except that library components are sorted by bom-ref (the reference's
// order comes from a set and changes between runs).
import { InternalError } from '../errors.js';
import { sha256Hex } from '../util/hash.js';
import type { PackageOwner } from './package-owner.js';

export interface SbomInput {
  /** Distribution name as spelled in the output wheel filename. */
  readonly wheelName: string;
  readonly wheelVersion: string;
  /** The repaired wheel's filename (no directory), used in the wheel's `file_name` qualifier. */
  readonly outputFilename: string;
  /** The tool entry under `metadata.tools`. */
  readonly tool: { readonly name: string; readonly version: string };
  /** One entry per grafted library: the host path it was copied from and its owner, if known. */
  readonly grafted: readonly { readonly sourcePath: string; readonly owner: PackageOwner | undefined }[];
}

const PURL_TYPE = /^[a-zA-Z0-9+\-.]+$/;

/**
 * Percent-encode every byte of the UTF-8 form except ASCII letters, digits and `_.-~`
 * (Python's `urllib.parse.quote(value, safe='')`): `+` → `%2B`, `:` → `%3A`, `/` → `%2F`.
 */
export function quotePurlPart(value: string): string {
  let out = '';
  for (const byte of new TextEncoder().encode(value)) {
    const unreserved =
      (byte >= 0x30 && byte <= 0x39) || // 0-9
      (byte >= 0x41 && byte <= 0x5a) || // A-Z
      (byte >= 0x61 && byte <= 0x7a) || // a-z
      byte === 0x2d || byte === 0x2e || byte === 0x5f || byte === 0x7e; // - . _ ~
    out += unreserved ? String.fromCharCode(byte) : `%${byte.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

/**
 * Package URL `pkg:<type>/<namespace>/<name>@<version>`: the type is lower-cased and must match
 * `^[a-zA-Z0-9+\-.]+$`; the other parts are percent-encoded with no safe characters. An empty
 * namespace is left out (`pkg:<type>/<name>@<version>`).
 */
export function purl(type: string, namespace: string, name: string, version: string): string {
  if (!PURL_TYPE.test(type)) {
    throw new InternalError(
      `package type ${JSON.stringify(type)} is not a valid purl type (expected ASCII letters, digits, '+', '-' or '.')`,
    );
  }
  const ns = namespace === '' ? '' : `${quotePurlPart(namespace)}/`;
  return `pkg:${type.toLowerCase()}/${ns}${quotePurlPart(name)}@${quotePurlPart(version)}`;
}

/** The wheel's own purl: `pkg:pypi/<name>@<version>?file_name=<output filename>`. */
export function wheelPurl(wheelName: string, wheelVersion: string, outputFilename: string): string {
  return `pkg:pypi/${quotePurlPart(wheelName)}@${quotePurlPart(wheelVersion)}?file_name=${quotePurlPart(outputFilename)}`;
}

/**
 * SHA-256 (hex) of a path string as the reference hashes it: UTF-8 with unencodable code units
 * (lone surrogates) dropped rather than replaced.
 */
function pathDigest(sourcePath: string): string {
  return sha256Hex(sourcePath.replace(/[\uD800-\uDFFF]/gu, ''));
}

// A type alias (not an interface) so that it is assignable to `Json`.
// eslint-disable-next-line @typescript-eslint/consistent-type-definitions -- an interface has no implicit index signature
type Component = {
  readonly type: 'library';
  readonly 'bom-ref': string;
  readonly name: string;
  readonly version: string;
  readonly purl: string;
};

/**
 * The SBOM text, or `undefined` when no grafted file has a known owner (then no SBOM is written).
 * Components: the wheel first, then one per distinct bom-ref (`<owner purl>#<sha256 of the source
 * path string>`, so one per owned source path), sorted by bom-ref. Dependencies: the wheel
 * depends on every library component, then one `{"ref": …}` per library, in the same order.
 */
export function buildSbom(input: SbomInput): string | undefined {
  const libraries = new Map<string, Component>();
  for (const { sourcePath, owner } of input.grafted) {
    if (owner === undefined) continue;
    const ownerPurl = purl(owner.type, owner.distro, owner.name, owner.version);
    const bomRef = `${ownerPurl}#${pathDigest(sourcePath)}`;
    if (libraries.has(bomRef)) continue;
    libraries.set(bomRef, { type: 'library', 'bom-ref': bomRef, name: owner.name, version: owner.version, purl: ownerPurl });
  }
  if (libraries.size === 0) return undefined;

  const refs = [...libraries.keys()].sort(compareCodeUnits);
  const wPurl = wheelPurl(input.wheelName, input.wheelVersion, input.outputFilename);
  const wheel: Component = { type: 'library', 'bom-ref': wPurl, name: input.wheelName, version: input.wheelVersion, purl: wPurl };
  const components = [wheel, ...refs.map((ref) => libraries.get(ref) as Component)];
  const document = {
    bomFormat: 'CycloneDX',
    specVersion: '1.4',
    version: 1,
    metadata: { component: wheel, tools: [{ name: input.tool.name, version: input.tool.version }] },
    components,
    dependencies: [{ ref: wPurl, dependsOn: refs }, ...refs.map((ref) => ({ ref }))],
  };
  return pythonJsonDumps(document);
}

function compareCodeUnits(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

type Json = string | number | boolean | null | readonly Json[] | { readonly [key: string]: Json };
type JsonObject = Exclude<Json, string | number | boolean | null | readonly Json[]>;

/**
 * `json.dumps(value)` with Python's defaults: separators `", "` and `": "`, keys in insertion
 * order, `ensure_ascii` (everything outside printable ASCII as `\uXXXX`), no final newline.
 */
export function pythonJsonDumps(value: Json): string {
  if (value === null) return 'null';
  if (typeof value === 'string') return pythonJsonString(value);
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) throw new InternalError(`cannot serialize non-integer number ${value} like Python`);
    return String(value);
  }
  if (isJsonArray(value)) return `[${value.map(pythonJsonDumps).join(', ')}]`;
  return `{${Object.entries(value)
    .map(([k, v]) => `${pythonJsonString(k)}: ${pythonJsonDumps(v)}`)
    .join(', ')}}`;
}

function isJsonArray(value: readonly Json[] | JsonObject): value is readonly Json[] {
  return Array.isArray(value);
}

const SHORT_ESCAPES: ReadonlyMap<number, string> = new Map([
  [0x22, '\\"'],
  [0x5c, '\\\\'],
  [0x0a, '\\n'],
  [0x0d, '\\r'],
  [0x09, '\\t'],
  [0x08, '\\b'],
  [0x0c, '\\f'],
]);

function pythonJsonString(s: string): string {
  let out = '"';
  for (let i = 0; i < s.length; i++) {
    const unit = s.charCodeAt(i);
    const short = SHORT_ESCAPES.get(unit);
    if (short !== undefined) out += short;
    else if (unit >= 0x20 && unit <= 0x7e) out += s.charAt(i);
    else out += `\\u${unit.toString(16).padStart(4, '0')}`; // UTF-16 units: astral chars become surrogate pairs
  }
  return `${out}"`;
}
