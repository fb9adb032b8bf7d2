// The digest table repair keeps while a wheel is read: what goes in comes out as RECORD's
// `sha256=` hash and size, for any number of entries, and it reads like a map.
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { DigestTable } from '../../src/analyze/entry-digests.js';
import { InternalError } from '../../src/errors.js';

const sha = (s: string): string => createHash('sha256').update(s).digest('base64url');

describe('DigestTable', () => {
  it('gives back each digest as RECORD writes it, past its first capacity, the first value replaced on a second set', () => {
    const t = new DigestTable(2);
    const names = Array.from({ length: 1000 }, (_, i) => `pkg/m${i}.py`);
    names.forEach((n, i) => { t.set(n, sha(n), i * 7); });
    expect(t.size).toBe(1000);
    for (const [i, n] of names.entries()) expect(t.get(n)).toEqual({ hash: `sha256=${sha(n)}`, size: i * 7 });
    expect(t.get('pkg/none.py')).toBeUndefined();
    expect(t.has('pkg/m999.py')).toBe(true);
    expect(t.has('pkg/none.py')).toBe(false);
    t.set('pkg/m3.py', sha('other'), 1);
    expect(t.size).toBe(1000);
    expect(t.get('pkg/m3.py')).toEqual({ hash: `sha256=${sha('other')}`, size: 1 });
  });

  it('iterates like a map, in insertion order', () => {
    const t = new DigestTable();
    t.set('b', sha('b'), 2);
    t.set('a', sha('a'), 1);
    const want: [string, { hash: string; size: number }][] = [['b', { hash: `sha256=${sha('b')}`, size: 2 }], ['a', { hash: `sha256=${sha('a')}`, size: 1 }]];
    expect([...t]).toEqual(want);
    expect([...t.entries()]).toEqual(want);
    expect([...t.keys()]).toEqual(['b', 'a']);
    expect([...t.values()]).toEqual(want.map(([, v]) => v));
    const seen: string[] = [];
    t.forEach((v, k, m) => { seen.push(`${k}:${v.size}:${String(m === t)}`); });
    expect(seen).toEqual(['b:2:true', 'a:1:true']);
  });

  it('refuses what is not a sha256 digest in urlsafe base64 (a caller bug)', () => {
    const t = new DigestTable();
    expect(() => { t.set('x', 'abc', 1); }).toThrow(InternalError);
    expect(() => { t.set('x', createHash('sha512').update('x').digest('base64url'), 1); }).toThrow(InternalError);
    expect(t.size).toBe(0);
  });
});
