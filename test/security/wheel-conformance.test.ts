// Issue 7, "wheels pip refuses are reported, and repair says so instead of rewriting wrong
// hashes silently": a `.dist-info` named for another distribution, a missing WHEEL, a WHEEL of
// an unsupported version, RECORD hashes or sizes that do not match the entries, and hashes that
// cannot be checked. `show` reports each as one warning line naming the wheel and the entry
// (exit 0); `repair` refuses with one error line (exit 1), writing nothing.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../helpers/corpus.js';
import { buildZip, DIST_INFO, extensionBytes, recordHash, WHEEL_NAME, WHEEL_TEXT, wheelEntries, type WheelSpec } from '../wheel/zip-builder.js';
import { errorLines, runMeasured, sha256File, snapshot } from './measured.js';

const SO = 'hostile/_ext.cpython-311-x86_64-linux-gnu.so';
const PY = 'hostile/__init__.py';
const PY_TEXT = 'x = 1\n';
const METADATA = `Metadata-Version: 2.1\nName: hostile\nVersion: 1.0\n`;

let tmp = '';
let so: Uint8Array = new Uint8Array(0);
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-conformance-'));
  so = extensionBytes(REPO);
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** RECORD rows for the usual files, with `rowFor` changing any of them. */
function record(rowFor: (name: string, data: Uint8Array, row: string) => string = (_n, _d, r) => r, distInfo = DIST_INFO): string {
  const files: [string, Uint8Array][] = [
    [PY, new TextEncoder().encode(PY_TEXT)],
    [SO, so],
    [`${distInfo}/METADATA`, new TextEncoder().encode(METADATA)],
    [`${distInfo}/WHEEL`, new TextEncoder().encode(WHEEL_TEXT)],
  ];
  return `${files.map(([n, d]) => rowFor(n, d, `${n},${recordHash(d)},${d.length}`)).join('\r\n')}\r\n${distInfo}/RECORD,,\r\n`;
}

function build(spec: Omit<WheelSpec, 'files'>): Buffer {
  return buildZip(wheelEntries({ files: [{ name: PY, data: PY_TEXT }, { name: SO, data: so }], ...spec }));
}

interface Case {
  readonly name: string;
  readonly code: string;
  readonly problem: RegExp;
  readonly build: () => Buffer;
}

const CASES: readonly Case[] = [
  {
    name: 'a .dist-info directory named for another distribution',
    code: 'WHEEL_NO_DIST_INFO',
    problem: /other-1\.0\.dist-info does not belong to the distribution 'hostile' of the file name \(expected hostile-<version>\.dist-info\); pip refuses such a wheel/,
    build: () => build({ distInfo: 'other-1.0.dist-info', record: record(undefined, 'other-1.0.dist-info') }),
  },
  {
    name: 'no WHEEL file',
    code: 'WHEEL_BAD_METADATA',
    problem: /hostile-1\.0\.dist-info\/WHEEL is missing; pip refuses such a wheel/,
    build: () => build({ wheel: null, record: record((n, _d, r) => (n.endsWith('/WHEEL') ? '' : r)).replace(/\r\n\r\n/g, '\r\n') }),
  },
  {
    name: 'a WHEEL file of version 2.0',
    code: 'WHEEL_BAD_METADATA',
    problem: /hostile-1\.0\.dist-info\/WHEEL says Wheel-Version: 2\.0, expected 1\.x; pip refuses such a wheel/,
    build: () => {
      const text = WHEEL_TEXT.replace('1.0', '2.0');
      return build({ wheel: text, record: record((n, _d, r) => (n.endsWith('/WHEEL') ? `${n},${recordHash(new TextEncoder().encode(text))},${text.length}` : r)) });
    },
  },
  {
    name: 'a RECORD hash that does not match the extension',
    code: 'WHEEL_RECORD_MISMATCH',
    problem: /hostile-1\.0\.dist-info\/RECORD: the sha256 hash of hostile\/_ext\.cpython-311-x86_64-linux-gnu\.so is [\w-]{43}, but RECORD says [\w-]{43}/,
    build: () => build({ record: record((n, d, r) => (n === SO ? `${n},${recordHash(d.subarray(1))},${d.length}` : r)) }),
  },
  {
    name: 'a RECORD size that does not match a Python file',
    code: 'WHEEL_RECORD_MISMATCH',
    problem: /hostile-1\.0\.dist-info\/RECORD: hostile\/__init__\.py has 6 bytes, but RECORD says 7/,
    build: () => build({ record: record((n, d, r) => (n === PY ? `${n},${recordHash(d)},7` : r)) }),
  },
  {
    name: 'a RECORD hash with an algorithm that cannot be checked',
    code: 'WHEEL_RECORD_MISMATCH',
    problem: /hostile-1\.0\.dist-info\/RECORD: the row for hostile\/__init__\.py has the hash 'whirlpool=abc', not <algorithm>=<digest> with an algorithm wheelaudit can check/,
    build: () => build({ record: record((n, d, r) => (n === PY ? `${n},whirlpool=abc,${d.length}` : r)) }),
  },
];

describe('wheels installers refuse: show warns, repair refuses', () => {
  it('RECORD rows with another algorithm (sha512) are checked with it and pass', () => {
    const sha512 = (d: Uint8Array): string => `sha512=${createHash('sha512').update(d).digest('base64url')}`;
    const file = path.join(fs.mkdtempSync(path.join(tmp, 'sha512-')), WHEEL_NAME);
    fs.writeFileSync(file, build({ record: record((n, d) => `${n},${sha512(d)},${d.length}`) }));
    const show = runMeasured(['show', file]);
    expect(show.code, show.stderr).toBe(0);
    expect(show.stderr).not.toContain('warning');
    const out = path.join(path.dirname(file), 'out');
    const repair = runMeasured(['repair', file, '-w', out]);
    expect(repair.code, repair.stderr).toBe(0);
    expect(fs.readdirSync(out)).toHaveLength(1);
  });

  it.each(CASES)('$name', (c) => {
    const dir = path.join(tmp, c.name.replace(/[^a-z0-9]+/gi, '-'));
    fs.mkdirSync(dir);
    const file = path.join(dir, WHEEL_NAME);
    fs.writeFileSync(file, c.build());
    const before = sha256File(file);

    const show = runMeasured(['show', file]);
    expect(show.code, show.stderr).toBe(0);
    const warnings = show.stderr.split('\n').filter((l) => l.startsWith('wheelaudit: warning: ') && c.problem.test(l));
    expect(warnings, show.stderr).toHaveLength(1);
    expect(warnings[0]).toContain(WHEEL_NAME);
    expect(show.stdout.replace(/\s+/g, " ")).toMatch(/is consistent with the following platform tag/);

    const out = path.join(dir, 'out');
    fs.mkdirSync(out);
    const repair = runMeasured(['repair', file, '-w', out]);
    const lines = errorLines(repair.stderr);
    expect(lines, repair.stderr).toHaveLength(1);
    expect(lines[0]?.startsWith(`wheelaudit: error[${c.code}]: ${WHEEL_NAME}: `), lines[0]).toBe(true);
    expect(lines[0]).toMatch(c.problem);
    expect(repair.stderr).toContain('hint: rebuild the wheel');
    expect(repair.code).toBe(1);
    expect(snapshot(out)).toEqual([]);
    expect(sha256File(file)).toBe(before);
  });
});
