// Wheel file names (PEP 427, with the parsing rules of packaging's parse_wheel_filename):
// `{distribution}-{version}(-{build})?-{python}-{abi}-{platform}.whl`, where each tag part may
// be a compressed set joined by '.'. Refuses paths, empty parts and non-PEP 440 versions.
import { WheelFormatError } from '../errors.js';

/** A parsed wheel file name. Every field is kept as written; only `wheelPlatforms` normalizes. */
export interface WheelName {
  readonly filename: string;
  readonly distribution: string;
  readonly version: string;
  readonly build: string | undefined;
  readonly pythonTags: readonly string[];
  readonly abiTags: readonly string[];
  readonly platformTags: readonly string[];
}

// Project name: word characters, digits, '.' and '_' (PEP 427 escaping turns '-' into '_').
// Python's `\w` is alphanumeric (letters and numbers) plus '_'.
const DISTRIBUTION_RE = /^[\p{L}\p{N}_.]+$/u;

// PEP 440 public version plus local label, matched case-insensitively. Written from the
// grammar in PEP 440 §"Appendix B"; separators between segments are optional and may be
// '.', '-' or '_'. Surrounding whitespace is accepted, as packaging does.
const PEP440_RE = new RegExp(
  [
    '^\\s*v?',
    '(?:\\d+!)?', // epoch
    '\\d+(?:\\.\\d+)*', // release
    '(?:[-_.]?(?:alpha|beta|preview|pre|rc|a|b|c)[-_.]?\\d*)?', // pre-release
    '(?:-\\d+|[-_.]?(?:post|rev|r)[-_.]?\\d*)?', // post-release
    '(?:[-_.]?dev[-_.]?\\d*)?', // development release
    '(?:\\+[a-z0-9]+(?:[-_.][a-z0-9]+)*)?', // local version label
    '\\s*$',
  ].join(''),
  'i',
);

// PEP 427: a build tag starts with a digit.
const BUILD_RE = /^\d/;

function bad(filename: string, why: string): WheelFormatError {
  return new WheelFormatError('WHEEL_BAD_NAME', `invalid wheel filename '${filename}': ${why}`);
}

function splitTagSet(filename: string, part: string, what: string): string[] {
  const items = part.split('.');
  if (items.some((t) => t === '')) {
    throw bad(filename, `empty ${what} tag in '${part}'`);
  }
  return items;
}

/**
 * Parse a wheel file name (a base name, not a path).
 * @throws WheelFormatError `WHEEL_BAD_NAME` when the name does not follow PEP 427.
 */
export function parseWheelName(filename: string): WheelName {
  if (filename.includes('/') || filename.includes('\\')) {
    throw bad(filename, 'expected a base name, found a path');
  }
  if (!filename.endsWith('.whl')) {
    throw bad(filename, "extension must be '.whl'");
  }
  const stem = filename.slice(0, -'.whl'.length);
  const parts = stem.split('-');
  if (parts.length !== 5 && parts.length !== 6) {
    throw bad(filename, `expected 5 or 6 dash-separated parts, found ${parts.length}`);
  }
  const [distribution = '', version = ''] = parts;
  const hasBuild = parts.length === 6;
  const build = hasBuild ? parts[2] : undefined;
  const [python = '', abi = '', platform = ''] = parts.slice(hasBuild ? 3 : 2);

  if (!DISTRIBUTION_RE.test(distribution)) {
    throw bad(filename, `invalid distribution name '${distribution}'`);
  }
  if (distribution.includes('__')) {
    throw bad(filename, `invalid distribution name '${distribution}' (contains '__')`);
  }
  if (!PEP440_RE.test(version)) {
    throw bad(filename, `invalid version '${version}' (expected a PEP 440 version)`);
  }
  if (build !== undefined && !BUILD_RE.test(build)) {
    throw bad(filename, `invalid build tag '${build}' (must start with a digit)`);
  }
  return {
    filename,
    distribution,
    version,
    build,
    pythonTags: splitTagSet(filename, python, 'python'),
    abiTags: splitTagSet(filename, abi, 'abi'),
    platformTags: splitTagSet(filename, platform, 'platform'),
  };
}

/** The platform tags of a wheel name: lower-cased, de-duplicated and sorted (spec §3.1). */
export function wheelPlatforms(name: WheelName): string[] {
  const set = new Set(name.platformTags.map((t) => t.toLowerCase()));
  return [...set].sort(compareCodePoints);
}

/**
 * The file name with its platform tag set replaced: everything up to the last '-' is kept as
 * written, then the tags are joined with '.'. The caller chooses the order (the reference sorts).
 * @throws WheelFormatError `WHEEL_BAD_NAME` for an empty list or a tag that cannot appear in a name.
 */
export function withPlatformTags(name: WheelName, platformTags: readonly string[]): string {
  if (platformTags.length === 0) {
    throw bad(name.filename, 'cannot replace the platform tags with an empty list');
  }
  for (const tag of platformTags) {
    if (tag === '' || /[-./\\\s]/.test(tag)) {
      throw bad(name.filename, `new platform tag '${tag}' cannot appear in a wheel name`);
    }
  }
  const stem = name.filename.slice(0, name.filename.lastIndexOf('-'));
  return `${stem}-${platformTags.join('.')}.whl`;
}

/** Code-point order, the order Python's `sorted()` gives for str. */
function compareCodePoints(a: string, b: string): number {
  // Array.from splits by code point, as Python compares str.
  const aa = Array.from(a);
  const bb = Array.from(b);
  const n = Math.min(aa.length, bb.length);
  for (let i = 0; i < n; i++) {
    const x = aa[i]?.codePointAt(0) ?? 0;
    const y = bb[i]?.codePointAt(0) ?? 0;
    if (x !== y) return x - y;
  }
  return aa.length - bb.length;
}
