// The policy vocabulary: the libcs and baseline architectures are exactly those the bundled
// policy files use (read here as plain JSON), and isBaseArch accepts those and nothing else.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { BASE_ARCHES, isBaseArch, LIBCS } from '../../src/policy/types.js';
import { REPO } from '../helpers/corpus.js';

const files = ['manylinux', 'musllinux', 'android'].map((f) => JSON.parse(readFileSync(path.join(REPO, 'policies', `${f}.json`), 'utf8')) as { libc: string; policies: { arches?: string[] }[] });

describe('LIBCS and BASE_ARCHES', () => {
  it('are the libcs and architectures of policies/*.json', () => {
    expect([...LIBCS].sort()).toEqual(files.map((f) => f.libc).sort());
    const arches = new Set(files.flatMap((f) => f.policies.flatMap((p) => p.arches ?? [])));
    expect(arches.size).toBeGreaterThan(5);
    expect([...BASE_ARCHES].sort()).toEqual([...arches].sort());
  });

  it('isBaseArch: true for each baseline architecture, false for levels, aliases and case variants', () => {
    for (const a of BASE_ARCHES) expect(isBaseArch(a), a).toBe(true);
    for (const a of ['x86_64_v3', 'arm64_v8a', 'amd64', 'X86_64', 'aarch64 ', '', 'any']) expect(isBaseArch(a), a).toBe(false);
  });
});
