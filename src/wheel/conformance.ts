// What makes an archive a wheel that installers accept, beyond the zip: the `.dist-info`
// directory named after the distribution (pip refuses otherwise), a WHEEL file with a
// `Wheel-Version: 1.x` (pip refuses otherwise), and RECORD rows whose hashes and sizes match the
// entries (the wheel spec requires it; pip does not check). Each finding is a WheelProblem:
// `show` reports it, `repair` refuses the wheel rather than rewrite RECORD over it.
import type { ErrorCode } from '../errors.js';
import type { WheelMetadata } from './metadata.js';
import type { RecordRow } from './record.js';
import { showName } from './zip-format.js';

/** A reason installers (or the wheel spec) refuse the wheel. */
export interface WheelProblem {
  readonly code: ErrorCode;
  readonly message: string;
}

/** packaging's canonicalize_name: lower case, runs of '-', '_' and '.' become one '-'. */
export function canonicalizeName(name: string): string {
  return name.toLowerCase().replace(/[-_.]+/g, '-');
}

/** The `.dist-info` directory must be `<distribution>-<version>.dist-info` for the file name's distribution. */
export function checkDistInfoName(distInfo: string, distribution: string): WheelProblem | undefined {
  const base = distInfo.slice(0, -'.dist-info'.length);
  const dash = base.indexOf('-');
  const name = dash < 0 ? base : base.slice(0, dash);
  if (dash > 0 && canonicalizeName(name) === canonicalizeName(distribution)) return undefined;
  return {
    code: 'WHEEL_NO_DIST_INFO',
    message: `${showName(distInfo)} does not belong to the distribution '${distribution}' of the file name (expected ${distribution}-<version>.dist-info); pip refuses such a wheel`,
  };
}

/** pip installs only wheels whose WHEEL file says `Wheel-Version: 1.x`. */
export function checkWheelVersion(meta: WheelMetadata, where: string): WheelProblem | undefined {
  const header = meta.headers.find(([n]) => n.toLowerCase() === 'wheel-version');
  if (header === undefined) return { code: 'WHEEL_BAD_METADATA', message: `${where} has no Wheel-Version header; pip refuses such a wheel` };
  const m = /^\s*(\d+)(?:\.\d+)*\s*$/.exec(header[1]);
  if (m?.[1] === undefined || Number(m[1]) !== 1) {
    return { code: 'WHEEL_BAD_METADATA', message: `${where} says Wheel-Version: ${header[1].trim()}, expected 1.x; pip refuses such a wheel` };
  }
  return undefined;
}

// Python hashlib names (hashlib.algorithms_guaranteed) a RECORD may use, and node's names.
const ALGORITHMS: ReadonlyMap<string, string> = new Map([
  ['md5', 'md5'],
  ['sha1', 'sha1'],
  ['sha224', 'sha224'],
  ['sha256', 'sha256'],
  ['sha384', 'sha384'],
  ['sha512', 'sha512'],
  ['sha3_224', 'sha3-224'],
  ['sha3_256', 'sha3-256'],
  ['sha3_384', 'sha3-384'],
  ['sha3_512', 'sha3-512'],
  ['blake2b', 'blake2b512'],
  ['blake2s', 'blake2s256'],
]);

/** What one entry's RECORD row promises, and the hash that checks it. */
export interface RecordExpectation {
  readonly row: RecordRow;
  /** Python's name of the algorithm, as in the row. */
  readonly algorithm: string;
  /** Node's name for `createHash`. */
  readonly nodeAlgorithm: string;
  readonly digest: string;
}

/**
 * The expectation for an entry from its RECORD row, or a problem when the row's hash cannot be
 * checked; undefined when the row has no hash (allowed for RECORD itself and its signatures).
 */
export function recordExpectation(row: RecordRow, where: string): RecordExpectation | WheelProblem | undefined {
  if (row.hash === '') return undefined;
  const eq = row.hash.indexOf('=');
  const algorithm = eq < 0 ? '' : row.hash.slice(0, eq);
  const nodeAlgorithm = ALGORITHMS.get(algorithm);
  if (nodeAlgorithm === undefined) {
    return {
      code: 'WHEEL_RECORD_MISMATCH',
      message: `${where}: the row for ${showName(row.path)} has the hash '${row.hash.slice(0, 40)}', not <algorithm>=<digest> with an algorithm wheelaudit can check`,
    };
  }
  return { row, algorithm, nodeAlgorithm, digest: row.hash.slice(eq + 1) };
}

/** Compare an entry's digest and size with its RECORD row. */
export function checkRecordRow(e: RecordExpectation, digest: string, size: number, where: string): WheelProblem | undefined {
  const path = showName(e.row.path);
  if (digest !== e.digest) {
    return {
      code: 'WHEEL_RECORD_MISMATCH',
      message: `${where}: the ${e.algorithm} hash of ${path} is ${digest}, but RECORD says ${e.digest}`,
    };
  }
  if (e.row.size !== '' && e.row.size !== String(size)) {
    return { code: 'WHEEL_RECORD_MISMATCH', message: `${where}: ${path} has ${size} bytes, but RECORD says ${e.row.size}` };
  }
  return undefined;
}
