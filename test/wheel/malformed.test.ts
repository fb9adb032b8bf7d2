// Every fixtures/malformed/<CODE>--<what>.whl must fail with exactly <CODE>, and no input at all
// (fixtures or mutated wheels) may escape as anything but a WheelauditError.
import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WheelauditError } from '../../src/errors.js';
import { parseWheelMetadata } from '../../src/wheel/metadata.js';
import { parseRecord } from '../../src/wheel/record.js';
import { findDistInfo, openWheelZip } from '../../src/wheel/zip-read.js';
import type { ZipLimits } from '../../src/wheel/zip-read.js';

const MALFORMED = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/malformed');
const LIMITS: Partial<ZipLimits> = { maxEntries: 256, maxEntrySize: 1024 * 1024, maxTotalSize: 4 * 1024 * 1024 };

/** What the analyzer does first: open, find the dist-info, read everything, parse RECORD and WHEEL. */
async function loadWheel(file: string, limits: Partial<ZipLimits> = LIMITS): Promise<number> {
  const z = await openWheelZip(file, limits);
  try {
    const distInfo = findDistInfo(z.entries);
    for (const e of z.entries) await z.readEntry(e);
    const decode = (b: Uint8Array): string => new TextDecoder().decode(b);
    const record = z.entry(`${distInfo}/RECORD`);
    if (record !== undefined) parseRecord(decode(await z.readEntry(record)), `${distInfo}/RECORD`);
    const wheel = z.entry(`${distInfo}/WHEEL`);
    if (wheel !== undefined) parseWheelMetadata(decode(await z.readEntry(wheel)));
    return z.entries.length;
  } finally {
    await z.close();
  }
}

async function failure(file: string): Promise<unknown> {
  try {
    await loadWheel(file);
  } catch (e) {
    return e;
  }
  return undefined;
}

const fixtures = fs
  .readdirSync(MALFORMED)
  .filter((f) => f.endsWith('.whl'))
  .sort();

describe('fixtures/malformed', () => {
  it('has fixtures for every wheel-layer refusal the brief lists', () => {
    const has = (s: string): boolean => fixtures.some((f) => f.includes(s));
    for (const s of ['zip-slip', 'absolute', 'backslash', 'text-file', 'truncated', 'NO_DIST_INFO--none', 'NO_DIST_INFO--two', 'duplicate-names', 'entry-size']) {
      expect(has(s), s).toBe(true);
    }
    // Each file is described in the README.
    const readme = fs.readFileSync(path.join(MALFORMED, 'README.md'), 'utf8');
    for (const f of fixtures) expect(readme, f).toContain(`\`${f}\``);
  });

  it.each(fixtures)('%s throws exactly its code', async (file) => {
    const code = file.split('--')[0];
    const err = await failure(path.join(MALFORMED, file));
    expect(err, 'no error was thrown').toBeInstanceOf(WheelauditError);
    const e = err as WheelauditError;
    expect(e.code).toBe(code);
    // House style: lower-case start (or a path / quoted name), no final period.
    expect(e.message).toMatch(/^[a-z/.W]/);
    expect(e.message).not.toMatch(/\.$/);
  });
});

// ---- mutation: every failure is typed ---------------------------------------------------------

const PY_BASE = `
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as zf:
    zf.writestr("demo/__init__.py", "print('hi')\\n" * 40, compress_type=zipfile.ZIP_DEFLATED)
    zf.writestr("demo/_ext.so", b"\\x7fELF" + bytes(range(256)) * 4, compress_type=zipfile.ZIP_STORED)
    zf.writestr("demo/data/", b"")
    zf.writestr("demo-1.0.dist-info/WHEEL", "Wheel-Version: 1.0\\nRoot-Is-Purelib: false\\nTag: py3-none-linux_x86_64\\n\\n", compress_type=zipfile.ZIP_DEFLATED)
    zf.writestr("demo-1.0.dist-info/RECORD", "demo/__init__.py,sha256=x,480\\r\\ndemo-1.0.dist-info/RECORD,,\\r\\n", compress_type=zipfile.ZIP_DEFLATED)
`;
import { xorshift } from '../helpers/noise.js';
import { needs, requireTool } from '../helpers/requires.js';

describe('mutated wheels never escape as raw errors', needs(requireTool('python3', 'python3')), () => {
  let tmp = '';
  let base: Buffer = Buffer.alloc(0);
  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-malformed-'));
    const file = path.join(tmp, 'base.whl');
    execFileSync('python3', ['-c', PY_BASE, file]);
    base = fs.readFileSync(file);
  });
  afterAll(() => {
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  /** 'ok', or what went wrong. */
  async function check(bytes: Buffer, label: string): Promise<string> {
    const file = path.join(tmp, 'mutant.whl');
    fs.writeFileSync(file, bytes);
    try {
      await loadWheel(file);
      return 'ok';
    } catch (e) {
      expect(e, `${label}: ${String(e)}`).toBeInstanceOf(WheelauditError);
      return (e as WheelauditError).code;
    }
  }

  it('the unmutated base wheel loads', async () => {
    const file = path.join(tmp, 'base-copy.whl');
    fs.writeFileSync(file, base);
    expect(await loadWheel(file)).toBe(5);
  });

  it('truncated at many lengths', async () => {
    const codes = new Set<string>();
    for (let n = 0; n < base.length; n += Math.max(1, Math.floor(base.length / 97))) {
      codes.add(await check(base.subarray(0, n), `truncated to ${n}`));
    }
    expect(codes.has('WHEEL_NOT_ZIP')).toBe(true);
  });

  it('with seeded random byte changes', async () => {
    const next = xorshift(0x2545f491);
    const codes = new Set<string>();
    for (let round = 0; round < 400; round++) {
      const b = Buffer.from(base);
      const flips = 1 + (next() % 4);
      for (let k = 0; k < flips; k++) b[next() % b.length] = next() & 0xff;
      codes.add(await check(b, `round ${round}`));
    }
    // The mutations reach more than one refusal path.
    expect(codes.size).toBeGreaterThan(2);
  });

  it('with every byte of the central directory and end record set to 0xff in turn', async () => {
    const cd = base.readUInt32LE(base.length - 22 + 16);
    for (let i = cd; i < base.length; i++) {
      const b = Buffer.from(base);
      b[i] = 0xff;
      await check(b, `byte ${i} = 0xff`);
    }
  });
});
