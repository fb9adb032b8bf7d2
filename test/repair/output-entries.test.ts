// The repaired wheel's RECORD rows and zip items, from a real fixture wheel: unchanged entries
// keep the digests taken when the wheel was read and are copied as stored; changed ones carry
// their own rows and sources (bytes, later bytes, a patched library's stream); RECORD's own
// row is empty.
import { createHash } from 'node:crypto';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadWheel } from '../../src/analyze/load-wheel.js';
import { InternalError } from '../../src/errors.js';
import { changedEntries } from '../../src/repair/changed-entries.js';
import { recordBytes, recordRows, sbomText, zipItems } from '../../src/repair/output-entries.js';
import { parseRecord, recordEncoder, serializeRecord } from '../../src/wheel/record.js';
import { walkOrder } from '../../src/wheel/walk-order.js';
import { openWheelZip } from '../../src/wheel/zip-read.js';
import { FIXTURES } from '../helpers/corpus.js';

const DEMO = path.join(FIXTURES, 'wheels', 'demo-0.1.0-cp311-cp311-linux_x86_64.whl');

describe('output entries', () => {
  it('RECORD rows: read digests for unchanged entries, new rows for changed ones, empty for RECORD', async () => {
    const wheel = await loadWheel(DEMO, { forRepair: true });
    const zip = await openWheelZip(DEMO);
    try {
      const changed = changedEntries();
      const wheelText = new TextEncoder().encode('Wheel-Version: 1.0\nTag: x\n');
      changed.small(`${wheel.distInfo}/WHEEL`, wheelText, 0o100644);
      const recordName = `${wheel.distInfo}/RECORD`;
      const names = [...zip.entries.filter((e) => !e.isDirectory).map((e) => e.name)];
      const order = walkOrder(names, wheel.distInfo);
      const rows = await recordRows(order, recordName, changed.entries, wheel.digests, 'demo.whl');
      expect(rows.map((r) => r.path)).toEqual(order.filter((p) => !p.endsWith('/')));
      expect(rows.find((r) => r.path === recordName)).toEqual({ path: recordName, hash: '', size: '' });
      expect(rows.find((r) => r.path.endsWith('/WHEEL'))).toEqual({
        path: `${wheel.distInfo}/WHEEL`,
        hash: `sha256=${createHash('sha256').update(wheelText).digest('base64url')}`,
        size: String(wheelText.length),
      });
      // Unchanged rows are the wheel's own RECORD rows (the fixture's RECORD is correct).
      for (const r of rows.filter((x) => x.path !== recordName && !x.path.endsWith('/WHEEL'))) {
        expect(wheel.record.find((w) => w.path === r.path)).toEqual(r);
      }
      await expect(recordRows([...order, 'demo/not-read.py'], recordName, changed.entries, wheel.digests, 'demo.whl')).rejects.toThrow(InternalError);
      // RECORD's bytes: those rows, serialized and encoded, made without a list of rows.
      const bytes = await recordBytes(order, recordName, changed.entries, wheel.digests, 'demo.whl');
      expect(Buffer.from(bytes).toString('utf8')).toBe(serializeRecord(rows));
      await expect(recordBytes([...order, 'demo/not-read.py'], recordName, changed.entries, wheel.digests, 'demo.whl')).rejects.toThrow(InternalError);
    } finally {
      await zip.close();
    }
  });

  it('RECORD encoder: the bytes of serializeRecord across its 1 MiB buffers, quoting and non-ASCII names included', () => {
    const rows = Array.from({ length: 30_000 }, (_, i) => ({
      path: i % 7 === 0 ? `pkg/é,"${i}"/文件${i}.py` : `pkg/mod${i}/__init__.py`,
      hash: `sha256=${createHash('sha256').update(String(i)).digest('base64url')}`,
      size: String(i * 13),
    }));
    rows.push({ path: `pkg/${'long-name/'.repeat(12_000)}x.py`, hash: '', size: '' });
    const enc = recordEncoder();
    for (const r of rows) enc.add(r);
    const bytes = enc.bytes();
    expect(bytes.length).toBeGreaterThan(2 << 20);
    expect(Buffer.compare(Buffer.from(bytes), Buffer.from(serializeRecord(rows), 'utf8'))).toBe(0);
    expect(parseRecord(new TextDecoder().decode(bytes), 'RECORD')).toEqual(rows);
    expect(recordEncoder().bytes().length).toBe(0);
  });

  it('zip items: unchanged deflated entries are raw copies, changed ones their data or deflate', async () => {
    const zip = await openWheelZip(DEMO);
    try {
      const changed = changedEntries();
      const file = zip.entries.find((e) => !e.isDirectory && e.compressionMethod === 8);
      const other = zip.entries.find((e) => !e.isDirectory && e !== file);
      if (file === undefined || other === undefined) throw new Error('fixture has too few entries');
      changed.streamed(other.name, 0o100755);
      changed.later('demo/later.txt', Promise.resolve(new Uint8Array(3)), 0o100644);
      const items = await zipItems([file.name, other.name, 'demo/later.txt', 'demo/sub/'], changed.entries, zip);
      expect(items.map((i) => [i.name, i.source?.kind, i.mode])).toEqual([
        [file.name, 'raw', 0o100000 | (file.mode === 0 ? 0o644 : (file.mode & 0o777) | 0o600)],
        [other.name, 'stream', 0o100755],
        ['demo/later.txt', 'later', 0o100644],
        ['demo/sub/', undefined, 0o40755],
      ]);
    } finally {
      await zip.close();
    }
  });

  it('no SBOM without grafts or without a package-owner lookup', () => {
    const plan = { libDir: 'x.libs', grafts: [], elves: [], strip: [], sbomSources: [], logs: [] };
    expect(sbomText(plan, undefined, { name: 'x', version: '1', filename: 'x.whl' }, { name: 'wheelaudit', version: '0' })).toBeUndefined();
  });
});
