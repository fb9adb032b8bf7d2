// What installers accept beyond the zip: the dist-info name (pip's rule, canonicalised), the
// WHEEL version, and RECORD rows checked with their own algorithm.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalizeName, checkDistInfoName, checkRecordRow, checkWheelVersion, recordExpectation, type RecordExpectation } from '../../src/wheel/conformance.js';
import { parseWheelMetadata } from '../../src/wheel/metadata.js';

const W = 'demo-1.0.dist-info/RECORD';

describe('canonicalizeName and checkDistInfoName', () => {
  it('canonicalises as packaging does', () => {
    expect(canonicalizeName('Foo.Bar__baz-Qux')).toBe('foo-bar-baz-qux');
    expect(canonicalizeName('a-_.b')).toBe('a-b');
  });

  it('accepts the distribution under any spelling pip accepts, refuses another distribution', () => {
    expect(checkDistInfoName('demo_pkg-1.0.dist-info', 'demo.pkg')).toBeUndefined();
    expect(checkDistInfoName('Demo_Pkg-1.0.dist-info', 'demo_pkg')).toBeUndefined();
    const other = checkDistInfoName('other-1.0.dist-info', 'demo');
    expect(other?.code).toBe('WHEEL_NO_DIST_INFO');
    expect(other?.message).toContain("other-1.0.dist-info does not belong to the distribution 'demo'");
    // pip's check is a prefix test on the canonical names; ours is exact (demo vs demox).
    expect(checkDistInfoName('demox-1.0.dist-info', 'demo')?.code).toBe('WHEEL_NO_DIST_INFO');
    expect(checkDistInfoName('demo.dist-info', 'demo')?.code).toBe('WHEEL_NO_DIST_INFO');
  });
});

describe('checkWheelVersion', () => {
  const wheel = (v: string | undefined): ReturnType<typeof parseWheelMetadata> =>
    parseWheelMetadata(`${v === undefined ? '' : `Wheel-Version: ${v}\n`}Tag: py3-none-any\n`);
  it('accepts 1.x and refuses anything else, or none', () => {
    expect(checkWheelVersion(wheel('1.0'), 'WHEEL')).toBeUndefined();
    expect(checkWheelVersion(wheel('1.9'), 'WHEEL')).toBeUndefined();
    expect(checkWheelVersion(wheel('2.0'), 'WHEEL')?.message).toBe('WHEEL says Wheel-Version: 2.0, expected 1.x; pip refuses such a wheel');
    expect(checkWheelVersion(wheel('one'), 'WHEEL')?.code).toBe('WHEEL_BAD_METADATA');
    expect(checkWheelVersion(wheel(undefined), 'WHEEL')?.message).toBe('WHEEL has no Wheel-Version header; pip refuses such a wheel');
  });
});

describe('RECORD rows', () => {
  const data = new TextEncoder().encode('print("hello")\n');
  const b64 = (alg: string): string => createHash(alg).update(data).digest('base64url');

  it('checks each row with its own algorithm, by Python name', () => {
    for (const [py, node] of [['sha256', 'sha256'], ['sha512', 'sha512'], ['sha3_256', 'sha3-256'], ['blake2b', 'blake2b512']] as const) {
      const e = recordExpectation({ path: 'a.py', hash: `${py}=${b64(node)}`, size: String(data.length) }, W) as RecordExpectation;
      expect(e.nodeAlgorithm).toBe(node);
      expect(checkRecordRow(e, b64(node), data.length, W)).toBeUndefined();
    }
  });

  it('reports a wrong digest, a wrong size, and a hash it cannot check', () => {
    const e = recordExpectation({ path: 'a.py', hash: `sha256=${b64('sha256')}`, size: '99' }, W) as RecordExpectation;
    expect(checkRecordRow(e, 'x', data.length, W)?.message).toBe(`${W}: the sha256 hash of a.py is x, but RECORD says ${b64('sha256')}`);
    expect(checkRecordRow(e, b64('sha256'), data.length, W)?.message).toBe(`${W}: a.py has 15 bytes, but RECORD says 99`);
    for (const hash of ['whirlpool=abc', 'nohash', '=abc']) {
      const p = recordExpectation({ path: 'a.py', hash, size: '' }, W);
      expect(p !== undefined && 'code' in p && p.code, hash).toBe('WHEEL_RECORD_MISMATCH');
    }
    // An empty hash (RECORD itself, signatures) is not checked.
    expect(recordExpectation({ path: 'a.py', hash: '', size: '' }, W)).toBeUndefined();
  });
});
