// wrap() must break lines exactly where Python's textwrap.wrap(width, break_long_words=False,
// break_on_hyphens=False) does, since show's text output is compared with auditwheel's.
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { paragraph, wrap } from '../../../src/cli/render/wrap.js';
import { needs, requireTool } from '../../helpers/requires.js';

const PY = `import sys, json, textwrap
cases = json.load(sys.stdin)
print(json.dumps([textwrap.wrap(t, width=w, break_long_words=False, break_on_hyphens=False) for t, w in cases]))`;

describe('wrap', () => {
  it('fills greedily and never splits a word', () => {
    expect(wrap('a b c', 3)).toEqual(['a b', 'c']);
    expect(wrap('averyveryverylongword x', 5)).toEqual(['averyveryverylongword', 'x']);
    expect(wrap('   ')).toEqual([]);
  });

  it('agrees with textwrap.wrap on seeded texts and on the reference messages', needs(requireTool('python3', 'python3')), () => {
    let seed = 12345;
    const rand = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const words = ['a', 'libffi.so.8', 'manylinux_2_17_x86_64', 'the', 'external', 'x'.repeat(75), 'GLIBC_2.17', 'is', 'self-contained', 'repair'];
    const cases: [string, number][] = [
      ['This constrains the platform tag to "manylinux_2_17_x86_64". In order to achieve a more compatible tag, you would need to recompile a new wheel from source on a system with earlier versions of these libraries, such as a recent manylinux image.', 70],
    ];
    for (let i = 0; i < 300; i++) {
      const n = rand(40);
      const text = Array.from({ length: n }, () => words[rand(words.length)] as string).join([' ', '  ', '\n', '\t'][rand(4)] as string);
      cases.push([text, [70, 20, 10, 79][rand(4)] as number]);
    }
    const want = JSON.parse(execFileSync('python3', ['-c', PY], { input: JSON.stringify(cases), encoding: 'utf8' })) as string[][];
    expect(cases.map(([t, w]) => wrap(t, w))).toEqual(want);
  });
});

describe('paragraph', () => {
  it('is a blank line, then the text wrapped at 70 columns', () => {
    const text = 'word '.repeat(30).trim();
    const p = paragraph(text);
    expect(p.startsWith('\n')).toBe(true);
    expect(p.endsWith('\n')).toBe(true);
    const lines = p.slice(1, -1).split('\n');
    expect(lines.length).toBe(3);
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(70);
  });
});
