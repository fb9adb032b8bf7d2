// The layering rule of the house style, checked on the source: imports only point down.
//   cli -> repair -> analyze -> {policy, wheel, elf} -> {util, errors.ts}
// policy, wheel and elf never import each other, and nothing imports cli.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO } from './helpers/corpus.js';

const SRC = path.join(REPO, 'src');
const RANK: Record<string, number> = { cli: 5, repair: 4, analyze: 3, policy: 2, wheel: 2, elf: 2, util: 1, errors: 0, index: 6 };

function files(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = path.join(dir, e.name);
    return e.isDirectory() ? files(p) : e.name.endsWith('.ts') ? [p] : [];
  });
}

function layerOf(file: string): string {
  const rel = path.relative(SRC, file).split(path.sep);
  return rel.length === 1 ? (rel[0] as string).replace(/\.(ts|js)$/, '') : (rel[0] as string);
}

describe('architecture', () => {
  const sources = files(SRC);
  it('has sources in every lower layer', () => {
    const layers = new Set(sources.map(layerOf));
    for (const l of ['cli', 'analyze', 'policy', 'wheel', 'elf', 'util', 'errors']) expect(layers).toContain(l);
  });

  for (const file of sources) {
    const from = layerOf(file);
    it(`${path.relative(REPO, file)} imports only lower layers`, () => {
      const text = readFileSync(file, 'utf8');
      const imports = [...text.matchAll(/from '(\.[^']+)'/g)].map((m) => m[1] as string);
      for (const spec of imports) {
        const target = path.resolve(path.dirname(file), spec);
        const to = layerOf(target);
        if (to === from) continue;
        const ok = (RANK[to] ?? 99) < (RANK[from] ?? 0);
        expect(ok, `${from} -> ${to} (${spec})`).toBe(true);
      }
      const code = text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/\/\/.*$/gm, '');
      expect(code, 'no explicit any').not.toMatch(/:\s*any\b|as any\b|<any>/);
    });
  }

  it('only cli/ prints, exits or reads argv', () => {
    for (const file of sources) {
      if (layerOf(file) === 'cli') continue;
      const text = readFileSync(file, 'utf8');
      expect(text, path.relative(REPO, file)).not.toMatch(/console\.|process\.(exit|stdout|stderr|argv|exitCode)/);
    }
  });
});
