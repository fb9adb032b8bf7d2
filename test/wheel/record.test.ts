import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { WheelFormatError } from '../../src/errors.js';
import { parseRecord, parseRecordTable, recordRowFor, serializeRecord, splitCsv } from '../../src/wheel/record.js';
import type { RecordRow } from '../../src/wheel/record.js';

const WHERE = 'demo-1.0.dist-info/RECORD';

function badRecord(text: string): WheelFormatError {
  try {
    parseRecord(text, WHERE);
  } catch (e) {
    if (e instanceof WheelFormatError) return e;
    throw e;
  }
  throw new Error('expected parseRecord to throw');
}

describe('parseRecord', () => {
  it('reads plain rows with CRLF or LF or CR endings', () => {
    const expected: RecordRow[] = [
      { path: 'demo/__init__.py', hash: 'sha256=abc', size: '12' },
      { path: 'demo-1.0.dist-info/RECORD', hash: '', size: '' },
    ];
    for (const eol of ['\r\n', '\n', '\r']) {
      const text = `demo/__init__.py,sha256=abc,12${eol}demo-1.0.dist-info/RECORD,,${eol}`;
      expect(parseRecord(text, WHERE)).toEqual(expected);
    }
    // No final newline.
    expect(parseRecord('a,b,c', WHERE)).toEqual([{ path: 'a', hash: 'b', size: 'c' }]);
  });

  it('handles quotes, doubled quotes, and separators and newlines inside quotes', () => {
    const text = '"pkg/a,b.txt",sha256=x,2\r\n"pkg/q""uote.txt",sha256=y,3\r\n"multi\nline",h,1\r\n';
    expect(parseRecord(text, WHERE)).toEqual([
      { path: 'pkg/a,b.txt', hash: 'sha256=x', size: '2' },
      { path: 'pkg/q"uote.txt', hash: 'sha256=y', size: '3' },
      { path: 'multi\nline', hash: 'h', size: '1' },
    ]);
  });

  it('follows Python csv on stray quotes (literal inside a field, text after a closing quote appended)', () => {
    expect(parseRecord('a"b,"c"d,e\r\n', WHERE)).toEqual([{ path: 'a"b', hash: 'cd', size: 'e' }]);
  });

  it('skips blank lines (the reference crashes on them)', () => {
    const text = '\r\na,b,c\r\n\r\n\nd,e,f\r\n\r\n';
    expect(parseRecord(text, WHERE)).toEqual([
      { path: 'a', hash: 'b', size: 'c' },
      { path: 'd', hash: 'e', size: 'f' },
    ]);
    expect(parseRecord('', WHERE)).toEqual([]);
  });

  it('names the file and the physical line of a row with the wrong field count', () => {
    const e = badRecord('a,b,c\r\n\r\n"x\ny",z\r\n');
    expect(e.code).toBe('WHEEL_BAD_RECORD');
    expect(e.message).toBe(`${WHERE} line 3: found 2 fields, expected 3 (path,hash,size)`);
    expect(badRecord('a,b,c,d\n').message).toBe(`${WHERE} line 1: found 4 fields, expected 3 (path,hash,size)`);
    expect(badRecord('lonely\n').message).toContain('found 1 field,');
  });

  it('refuses an unterminated quote', () => {
    const e = badRecord('a,b,c\n"never closed,x,y\n');
    expect(e.code).toBe('WHEEL_BAD_RECORD');
    expect(e.message).toBe(`${WHERE} line 2: quoted field is not terminated before the end of the file`);
  });
});

describe('serializeRecord', () => {
  it('ends every row with CRLF and quotes only when needed (spec §6.13)', () => {
    const rows: RecordRow[] = [
      { path: 'pkg/a,b.txt', hash: 'sha256=x', size: '2' },
      { path: 'pkg/q"uote.txt', hash: 'sha256=y', size: '2' },
      { path: 'pkg/plain name.txt', hash: 'sha256=z', size: '10' },
      { path: 'pkg/cr\rlf\n.txt', hash: '', size: '' },
      { path: 'demo-1.0.dist-info/RECORD', hash: '', size: '' },
    ];
    const text = serializeRecord(rows);
    expect(text).toBe(
      '"pkg/a,b.txt",sha256=x,2\r\n' +
        '"pkg/q""uote.txt",sha256=y,2\r\n' +
        'pkg/plain name.txt,sha256=z,10\r\n' +
        '"pkg/cr\rlf\n.txt",,\r\n' +
        'demo-1.0.dist-info/RECORD,,\r\n',
    );
    expect(parseRecord(text, WHERE)).toEqual(rows);
  });

  it('gives the empty string for no rows', () => {
    expect(serializeRecord([])).toBe('');
  });
});

describe('recordRowFor', () => {
  it('hashes with urlsafe base64 sha256 without padding (auditwheel hashfile vector)', () => {
    const data = new TextEncoder().encode('this is a test file');
    // sha256 = 5881707e54b0112f901bc83a1ffbacac8fab74ea46a6f706a3efc5f7d4c1c625
    expect(recordRowFor('pkg/t.txt', data)).toEqual({
      path: 'pkg/t.txt',
      hash: 'sha256=WIFwflSwES-QG8g6H_usrI-rdOpGpvcGo-_F99TBxiU',
      size: '19',
    });
    expect(recordRowFor('empty', new Uint8Array(0)).size).toBe('0');
  });
});

// Byte-for-byte agreement with Python's csv module, writer and reader.
const PY_CSV = `
import csv, io, json, sys
rows = json.load(sys.stdin)
buf = io.StringIO(newline="")
csv.writer(buf).writerows(rows)
text = buf.getvalue()
back = [r for r in csv.reader(io.StringIO(text, newline="")) if r]
print(json.dumps({"text": text, "back": back}))
`;
import { xorshift } from '../helpers/noise.js';
import { needs, requireTool } from '../helpers/requires.js';

describe('agrees with Python csv', needs(requireTool('python3', 'python3')), () => {
  it('writes the same bytes and reads them back the same way', () => {
    const rows: RecordRow[] = [
      { path: 'pkg/a,b.txt', hash: 'sha256=1', size: '1' },
      { path: 'pkg/q"uote.txt', hash: 'sha256=2', size: '2' },
      { path: '"leading.txt', hash: 'sha256=3', size: '3' },
      { path: 'trailing"', hash: '', size: '' },
      { path: ' spaced ', hash: ' h ', size: ' 4 ' },
      { path: 'new\nline', hash: 'cr\rhere', size: 'both\r\n' },
      { path: 'unicode/é✓.txt', hash: 'sha256=x', size: '5' },
      { path: 'semi;colon\ttab', hash: "'single'", size: '6' },
    ];
    const out = JSON.parse(
      execFileSync('python3', ['-c', PY_CSV], {
        input: JSON.stringify(rows.map((r) => [r.path, r.hash, r.size])),
        encoding: 'utf8',
      }),
    ) as { text: string; back: string[][] };
    expect(serializeRecord(rows)).toBe(out.text);
    expect(parseRecord(out.text, WHERE).map((r) => [r.path, r.hash, r.size])).toEqual(out.back);
  });
});

// The reader against Python's csv.reader on seeded random text made of the characters that
// matter (separators, quotes, line breaks) and a few letters: the same rows, except that an
// unclosed quote is refused (Python reads it to the end of the file).
const PY_READ = `
import csv, io, json, sys
out = []
for text in json.load(sys.stdin):
    try:
        out.append([r for r in csv.reader(io.StringIO(text, newline="")) if r])
    except csv.Error:
        out.append(None)
print(json.dumps(out))
`;

describe('reads like Python csv.reader on random text', needs(requireTool('python3', 'python3')), () => {
  it('agrees on 3000 seeded samples', () => {
    const next = xorshift(0x9e3779b9);
    const alphabet = [',', '"', '\r', '\n', '\r\n', 'a', 'b', ' ', 'é'];
    const samples = Array.from({ length: 3000 }, () => Array.from({ length: next() % 24 }, () => alphabet[next() % alphabet.length]).join(''));
    const expected = JSON.parse(execFileSync('python3', ['-c', PY_READ], { input: JSON.stringify(samples), encoding: 'utf8' })) as (string[][] | null)[];
    let compared = 0;
    samples.forEach((text, k) => {
      let got: string[][];
      try {
        got = splitCsv(text, WHERE).map((r) => r.fields);
      } catch (e) {
        // Deliberately stricter: Python takes an unclosed quote to run to the end of the file.
        expect((e as Error).message, JSON.stringify(text)).toContain('quoted field is not terminated');
        return;
      }
      expect(got, JSON.stringify(text)).toEqual(expected[k]);
      compared++;
    });
    // Most samples parse: a splitCsv that refused everything must not pass.
    expect(compared).toBeGreaterThan(samples.length / 3);
  });
});

describe('parseRecord on text without quotes (rows made straight from the lines)', needs(requireTool('python3', 'python3')), () => {
  it('gives the rows Python csv.reader gives, and for the first row of another size the same error as quoted text', () => {
    const next = xorshift(0x2545f491);
    const alphabet = [',', ',', '\r', '\n', '\r\n', '\n\n', 'a', 'pkg/b.py', 'sha256=x', '12', ' ', 'é'];
    const samples = Array.from({ length: 3000 }, () => Array.from({ length: next() % 20 }, () => alphabet[next() % alphabet.length]).join(''));
    const expected = JSON.parse(execFileSync('python3', ['-c', PY_READ], { input: JSON.stringify(samples), encoding: 'utf8' })) as string[][][];
    let parsed = 0;
    samples.forEach((text, k) => {
      const rows = expected[k] ?? [];
      const bad = rows.findIndex((r) => r.length !== 3);
      if (bad < 0) {
        const want = rows.map(([path, hash, size]) => ({ path, hash, size }));
        expect(parseRecord(text, WHERE), JSON.stringify(text)).toEqual(want);
        const table = parseRecordTable(text, WHERE);
        expect(table.paths).toEqual(want.map((r) => r.path));
        expect(Array.from({ length: table.count }, (_, i) => table.row(i))).toEqual(want);
        parsed++;
        return;
      }
      // The message of the general path: the row's physical line, its field count.
      const line = splitCsv(text, WHERE)[bad]?.line;
      const n = rows[bad]?.length ?? 0;
      const message = `${WHERE} line ${line}: found ${n} field${n === 1 ? '' : 's'}, expected 3 (path,hash,size)`;
      expect(() => parseRecord(text, WHERE), JSON.stringify(text)).toThrow(message);
      expect(() => parseRecordTable(text, WHERE), JSON.stringify(text)).toThrow(message);
    });
    // Both outcomes are exercised.
    expect(parsed).toBeGreaterThan(100);
    expect(parsed).toBeLessThan(samples.length - 100);
  });
});

describe('parseRecordTable', () => {
  it('gives the rows parseRecord gives, quoted fields included, one new object per call', () => {
    const text = '"pkg/a,b.txt",sha256=x,2\r\npkg/q.py,sha256=y,3\r\n\r\n"multi\nline",h,1\r\npkg/c,,\r\n';
    const table = parseRecordTable(text, WHERE);
    const rows = parseRecord(text, WHERE);
    expect(table.count).toBe(4);
    expect(table.paths).toEqual(rows.map((r) => r.path));
    expect(Array.from({ length: table.count }, (_, i) => table.row(i))).toEqual(rows);
    expect(table.row(1)).not.toBe(table.row(1));
    const plain = parseRecordTable('a,sha256=1,5\nb,,\r', WHERE);
    expect([plain.row(0), plain.row(1)]).toEqual([{ path: 'a', hash: 'sha256=1', size: '5' }, { path: 'b', hash: '', size: '' }]);
    expect(parseRecordTable('', WHERE).count).toBe(0);
  });
});
