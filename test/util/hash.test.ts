// RECORD digests and hex hashes, checked against sha256sum and Python's hashlib/base64 (the
// tools that write and check RECORD), on inputs whose base64 needs 0, 1 and 2 padding
// characters and contains the '+' and '/' that urlsafe encoding replaces.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { recordDigest, sha256, sha256Hex, urlsafeB64NoPad } from '../../src/util/hash.js';
import { needs, requireTool } from '../helpers/requires.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-hash-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

// Byte strings chosen so the plain base64 of the bytes has '+', '/' and each padding length.
const SAMPLES: Uint8Array[] = [new Uint8Array([0xfb, 0xff]), new Uint8Array([0xfb, 0xef, 0xbe]), new Uint8Array([0xff, 0xfe, 0xfd, 0xfc]), new Uint8Array(0)];

describe('urlsafeB64NoPad', () => {
  it('is base64 with - for +, _ for / and no padding', () => {
    expect(Buffer.from(SAMPLES[0] as Uint8Array).toString('base64')).toBe('+/8=');
    expect(urlsafeB64NoPad(SAMPLES[0] as Uint8Array)).toBe('-_8');
    expect(urlsafeB64NoPad(SAMPLES[1] as Uint8Array)).toBe('----');
    expect(urlsafeB64NoPad(SAMPLES[2] as Uint8Array)).toBe('__79_A');
    expect(urlsafeB64NoPad(new Uint8Array(0))).toBe('');
  });

  it('encodes only the view it is given, not the whole underlying buffer', () => {
    const big = new Uint8Array([1, 2, 3, 0xfb, 0xff, 9]);
    expect(urlsafeB64NoPad(big.subarray(3, 5))).toBe('-_8');
  });
});

describe('sha256 and RECORD digests agree with the system tools', needs(requireTool('python3', 'python3'), requireTool('sha256sum', 'coreutils')), () => {
  it('sha256Hex matches sha256sum; sha256 is the same 32 bytes', () => {
    const inputs = [...SAMPLES, new TextEncoder().encode('wheelaudit\n')];
    const files = inputs.map((s, i) => {
      const f = path.join(tmp, `in-${i}`);
      writeFileSync(f, s);
      return f;
    });
    // One sha256sum run for every input: "<hex>  <file>" per line, in argument order.
    const want = execFileSync('sha256sum', files, { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((l) => l.split(' ')[0]);
    expect(want).toHaveLength(inputs.length);
    expect(inputs.map((s) => sha256Hex(s))).toEqual(want);
    expect(inputs.map((s) => Buffer.from(sha256(s)).toString('hex'))).toEqual(want);
    expect(sha256Hex('wheelaudit\n')).toBe(want.at(-1));
  });

  it('recordDigest is what pip writes: sha256=urlsafe_b64encode(digest).rstrip(b"=")', () => {
    const py = 'import sys,hashlib,base64,json; print(json.dumps(["sha256="+base64.urlsafe_b64encode(hashlib.sha256(bytes(x)).digest()).rstrip(b"=").decode() for x in json.load(sys.stdin)]))';
    const inputs = [...SAMPLES, Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 0xff)];
    const want = JSON.parse(execFileSync('python3', ['-c', py], { input: JSON.stringify(inputs.map((b) => [...b])) }).toString()) as string[];
    expect(inputs.map(recordDigest)).toEqual(want);
  });
});
