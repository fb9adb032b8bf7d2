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

interface CsvRow {
  readonly line: number;
  readonly fields: string[];
}

/**
 * Split CSV text the way Python's `csv.reader` does with the default dialect: ',' separates,
 * '"' quotes, '""' inside quotes is one '"', a quote inside an unquoted field is literal, and text
 * after a closing quote is appended to the field. Returns rows with their starting line numbers;
 * blank lines give no row.
 */
function splitCsv(text: string, where: string): CsvRow[] {
  const rows: CsvRow[] = [];
  let fields: string[] = [];
  let field = '';
  let line = 1;
  let rowLine = 1;
  // 'start': at the start of a field; 'plain': inside an unquoted field;
  // 'quoted': inside quotes; 'quote-in-quoted': just saw a '"' while quoted.
  let state: 'start' | 'plain' | 'quoted' | 'quote-in-quoted' = 'start';
  let rowHasContent = false;

  const endRow = (): void => {
    if (rowHasContent) {
      fields.push(field);
      rows.push({ line: rowLine, fields });
    }
    fields = [];
    field = '';
    rowHasContent = false;
    state = 'start';
  };

  for (let i = 0; i < text.length; i++) {
    const c = text[i] ?? '';
    const isEol = c === '\n' || c === '\r';
    if (state === 'quoted') {
      if (c === '"') state = 'quote-in-quoted';
      else field += c;
      if (c === '\n') line++;
      else if (c === '\r' && text[i + 1] !== '\n') line++;
      continue;
    }
    if (state === 'quote-in-quoted' && c === '"') {
      field += '"';
      state = 'quoted';
      continue;
    }
    if (isEol) {
      if (c === '\r' && text[i + 1] === '\n') i++;
      endRow();
      line++;
      rowLine = line;
      continue;
    }
    if (!rowHasContent) rowLine = line;
    rowHasContent = true;
    if (c === ',') {
      fields.push(field);
      field = '';
      state = 'start';
    } else if (c === '"' && state === 'start') {
      state = 'quoted';
    } else {
      // Includes text after a closing quote (Python appends it in non-strict mode).
      field += c;
      state = 'plain';
    }
  }
  if (state === 'quoted') {
    throw new WheelFormatError(
      'WHEEL_BAD_RECORD',
      `${where} line ${rowLine}: quoted field is not terminated before the end of the file`,
    );
  }
  endRow();
  return rows;
}

/**
 * Parse RECORD text. `where` names the file in messages (e.g. `demo-1.0.dist-info/RECORD`).
 * Blank lines are skipped (the reference crashes on them).
 * @throws WheelFormatError `WHEEL_BAD_RECORD` for a row with the wrong number of fields.
 */
export function parseRecord(text: string, where: string): RecordRow[] {
  return splitCsv(text, where).map(({ line, fields }) => {
    const [path, hash, size] = fields;
    if (fields.length !== FIELDS_PER_ROW || path === undefined || hash === undefined || size === undefined) {
      throw new WheelFormatError(
        'WHEEL_BAD_RECORD',
        `${where} line ${line}: found ${fields.length} field${fields.length === 1 ? '' : 's'}, expected ${FIELDS_PER_ROW} (path,hash,size)`,
      );
    }
    return { path, hash, size };
  });
}

function quoteField(field: string): string {
  return /[,"\r\n]/.test(field) ? `"${field.replace(/"/g, '""')}"` : field;
}

/** RECORD text: minimal quoting, and CRLF after every row including the last (spec §6.13). */
export function serializeRecord(rows: readonly RecordRow[]): string {
  return rows.map((r) => `${quoteField(r.path)},${quoteField(r.hash)},${quoteField(r.size)}\r\n`).join('');
}

/** The RECORD row for a file: `sha256=<urlsafe base64, no padding>` and the byte count. */
export function recordRowFor(path: string, data: Uint8Array): RecordRow {
  return { path, hash: recordDigest(data), size: String(data.length) };
}
