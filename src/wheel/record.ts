// The `*.dist-info/RECORD` file (PEP 376/427): CSV in Python's default `csv` dialect, one
// `path,hash,size` row per file. Parsing accepts CRLF, LF or CR and skips blank lines; it refuses
// rows without exactly three fields and unterminated quotes. Writing matches Python's csv writer.
import { WheelFormatError } from '../errors.js';
import { recordDigest } from '../util/hash.js';

/** One RECORD row, fields exactly as written ('' when absent). */
export interface RecordRow {
  readonly path: string;
  readonly hash: string;
  readonly size: string;
}

const FIELDS_PER_ROW = 3;

/**
 * RECORD's size limit is a budget per row: one row per entry (plus a few for files RECORD lists
 * but the zip lacks), each of at most RECORD_ROW_BYTES on average. A real row is a path, a
 * sha256 digest (71 characters) and a size, about 100 bytes; a bomb stops at the budget.
 */
export const RECORD_ROW_BYTES = 1024;
export const RECORD_SPARE_ROWS = 64;

/** The largest RECORD accepted for an archive of `entryCount` entries. */
export function recordSizeLimit(entryCount: number): number {
  return (entryCount + RECORD_SPARE_ROWS) * RECORD_ROW_BYTES;
}

export interface CsvRow {
  readonly line: number;
  readonly fields: string[];
}

const COMMA = 0x2c;
const QUOTE = 0x22;
const CR = 0x0d;
const LF = 0x0a;

/**
 * Split CSV text the way Python's `csv.reader` does with the default dialect: ',' separates,
 * '"' quotes, '""' inside quotes is one '"', a quote inside an unquoted field is literal, and text
 * after a closing quote is appended to the field. Returns rows with their starting line numbers;
 * blank lines give no row. Fields are cut out as slices of runs, never built a character at a
 * time (a RECORD of 150,000 rows would otherwise cost millions of string pieces).
 * @internal Exported for the differential test against Python's csv module.
 */
export function splitCsv(text: string, where: string): CsvRow[] {
  const rows: CsvRow[] = [];
  const n = text.length;
  let fields: string[] = [];
  let line = 1;
  let rowLine = 1;
  let i = 0;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === CR || c === LF) {
      // End of a row, or a blank line (no fields started): skipped.
      if (fields.length > 0) rows.push({ line: rowLine, fields });
      fields = [];
      i += c === CR && text.charCodeAt(i + 1) === LF ? 2 : 1;
      line++;
      continue;
    }
    if (fields.length === 0) rowLine = line;
    let field = '';
    let quoted = c === QUOTE;
    if (quoted) i++;
    // One field: alternate quoted runs (up to the next quote) and plain runs (up to a separator).
    for (;;) {
      if (quoted) {
        const close = text.indexOf('"', i);
        if (close < 0) {
          throw new WheelFormatError('WHEEL_BAD_RECORD', `${where} line ${rowLine}: quoted field is not terminated before the end of the file`);
        }
        line += countLineBreaks(text, i, close);
        field += text.slice(i, close);
        i = close + 1;
        if (text.charCodeAt(i) === QUOTE) {
          field += '"';
          i++;
          continue;
        }
        quoted = false;
      }
      let j = i;
      for (; j < n; j++) {
        const d = text.charCodeAt(j);
        if (d === COMMA || d === CR || d === LF) break;
      }
      // Text after a closing quote is appended (Python's non-strict mode); a quote inside an
      // unquoted field is literal.
      field += text.slice(i, j);
      i = j;
      break;
    }
    fields.push(field);
    if (text.charCodeAt(i) === COMMA) {
      i++;
      // A separator at the very end of the row or text leaves one more, empty, field.
      const d = i < n ? text.charCodeAt(i) : LF;
      if (d === CR || d === LF) fields.push('');
    }
  }
  if (fields.length > 0) rows.push({ line: rowLine, fields });
  return rows;
}

/** Line breaks (CRLF, LF or CR) in text[from, to). */
function countLineBreaks(text: string, from: number, to: number): number {
  let k = 0;
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if (c === LF || (c === CR && text.charCodeAt(i + 1) !== LF)) k++;
  }
  return k;
}

/**
 * Parse RECORD text. `where` names the file in messages (e.g. `demo-1.0.dist-info/RECORD`).
 * Blank lines are skipped (the reference crashes on them).
 * @throws WheelFormatError `WHEEL_BAD_RECORD` for a row with the wrong number of fields.
 */
export function parseRecord(text: string, where: string): RecordRow[] {
  // Without a quote every field is the text between commas: rows are made straight from the
  // lines, with no CsvRow or field array per row (150,000 of those outlived young-generation
  // collections while the whole list was built, about 25 MiB of heap).
  if (!text.includes('"')) return parseUnquoted(text, where);
  return splitCsv(text, where).map(({ line, fields }) => rowOf(fields, line, where));
}

function rowOf(fields: readonly string[], line: number, where: string): RecordRow {
  const [path, hash, size] = fields;
  if (fields.length !== FIELDS_PER_ROW || path === undefined || hash === undefined || size === undefined) {
    throw new WheelFormatError(
      'WHEEL_BAD_RECORD',
      `${where} line ${line}: found ${fields.length} field${fields.length === 1 ? '' : 's'}, expected ${FIELDS_PER_ROW} (path,hash,size)`,
    );
  }
  return { path, hash, size };
}

/** parseRecord for text without quotes: the rows splitCsv gives, line by line (CRLF, LF or CR). */
function parseUnquoted(text: string, where: string): RecordRow[] {
  const rows: RecordRow[] = [];
  eachUnquotedRow(text, where, (start, a, b, end) => {
    rows.push({ path: text.slice(start, a), hash: text.slice(a + 1, b), size: text.slice(b + 1, end) });
  });
  return rows;
}

/**
 * Each non-blank line of text without quotes, as the offsets of its start, its two commas and
 * its end; a line with another number of fields is refused as splitCsv's path refuses it.
 */
function eachUnquotedRow(text: string, where: string, take: (start: number, a: number, b: number, end: number) => void): void {
  const n = text.length;
  let line = 1;
  for (let i = 0; i < n; line++) {
    let end = i;
    while (end < n) {
      const c = text.charCodeAt(end);
      if (c === CR || c === LF) break;
      end++;
    }
    if (end > i) {
      const a = text.indexOf(',', i);
      const b = a < 0 || a >= end ? -1 : text.indexOf(',', a + 1);
      // Not exactly two commas: rowOf throws the error the general path gives.
      if (b < 0 || b >= end || text.lastIndexOf(',', end - 1) !== b) rowOf(text.slice(i, end).split(','), line, where);
      take(i, a, b, end);
    }
    i = end + (text.charCodeAt(end) === CR && text.charCodeAt(end + 1) === LF ? 2 : 1);
  }
}

/**
 * RECORD's rows without an object per row: the paths (wanted as strings anyway, as map keys
 * and the wheel's RECORD paths), and where each hash and size lie in the text. 150,000 rows
 * as objects and strings held about 15 MiB more for as long as a wheel was being read.
 */
export interface RecordTable {
  readonly count: number;
  /** Every row's path, in order. */
  readonly paths: readonly string[];
  /** Row `i` as an object, made anew on each call. */
  row(i: number): RecordRow;
}

/** parseRecord's rows (and its errors) as a {@link RecordTable}. */
export function parseRecordTable(text: string, where: string): RecordTable {
  if (text.includes('"')) {
    const rows = parseRecord(text, where);
    return { count: rows.length, paths: rows.map((r) => r.path), row: (i) => ({ ...(rows[i] ?? { path: '', hash: '', size: '' }) }) };
  }
  // Lines (an upper bound on rows) counted first, so the offsets go in typed arrays of their size.
  let lines = 1;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === LF || c === CR) lines++;
  }
  const paths: string[] = [];
  // Per row: the first comma (the hash begins after it), the second (the size after it), the row's end.
  const commas = new Uint32Array(lines * 2);
  const ends = new Uint32Array(lines);
  eachUnquotedRow(text, where, (start, a, b, end) => {
    const k = paths.length;
    commas[2 * k] = a;
    commas[2 * k + 1] = b;
    ends[k] = end;
    paths.push(text.slice(start, a));
  });
  return {
    count: paths.length,
    paths,
    row(i) {
      const a = commas[2 * i] ?? 0;
      const b = commas[2 * i + 1] ?? 0;
      return { path: paths[i] ?? '', hash: text.slice(a + 1, b), size: text.slice(b + 1, ends[i] ?? 0) };
    },
  };
}

function quoteField(field: string): string {
  return /[,"\r\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}

function rowLine(r: RecordRow): string {
  return `${quoteField(r.path)},${quoteField(r.hash)},${quoteField(r.size)}\r\n`;
}

/** RECORD text: minimal quoting, and CRLF after every row including the last (spec §6.13). */
export function serializeRecord(rows: readonly RecordRow[]): string {
  return rows.map(rowLine).join('');
}

/** RECORD's bytes built row by row: what `serializeRecord` gives, UTF-8 encoded. */
export interface RecordEncoder {
  add(row: RecordRow): void;
  /** The bytes of every row added so far. */
  bytes(): Uint8Array;
}

const ENCODER_CHUNK = 1 << 20;

/**
 * Rows are encoded as they come into 1 MiB buffers: no list of rows, no array of lines and no
 * text of the whole file (150,000 rows made about 60 MiB of short-lived objects that outlived
 * young-generation collections, since all were alive until the text was joined).
 */
export function recordEncoder(): RecordEncoder {
  const full: Buffer[] = [];
  let chunk = Buffer.allocUnsafe(ENCODER_CHUNK);
  let used = 0;
  let total = 0;
  return {
    add(row) {
      const line = rowLine(row);
      // A UTF-8 byte per UTF-16 unit, or at most 3 (a surrogate pair: 4 bytes for 2 units).
      if (used + line.length * 3 > chunk.length) {
        full.push(chunk.subarray(0, used));
        chunk = Buffer.allocUnsafe(Math.max(ENCODER_CHUNK, line.length * 3));
        used = 0;
      }
      const n = chunk.write(line, used, 'utf8');
      used += n;
      total += n;
    },
    bytes: () => Buffer.concat([...full, chunk.subarray(0, used)], total),
  };
}

/** The RECORD row for a file: `sha256=<urlsafe base64, no padding>` and the byte count. */
export function recordRowFor(path: string, data: Uint8Array): RecordRow {
  return { path, hash: recordDigest(data), size: String(data.length) };
}
