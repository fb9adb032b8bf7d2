// Package files are found relative to the package root, whether the code runs from src/
// (tests) or dist/: the text is that of the file in the repository.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageFilePath, readPackageFile } from '../../src/util/package-files.js';
import { REPO } from '../helpers/corpus.js';

describe('package files', () => {
  it('reads package.json and the bundled policies from the package root', () => {
    for (const rel of ['package.json', 'policies/manylinux.json', 'policies/musllinux.json']) {
      expect(packageFilePath(rel)).toBe(path.join(REPO, rel));
      expect(readPackageFile(rel)).toBe(readFileSync(path.join(REPO, rel), 'utf8'));
    }
  });

  it('throws the file system error for a file that is not there', () => {
    expect(existsSync(path.join(REPO, 'policies/nope.json'))).toBe(false);
    expect(() => readPackageFile('policies/nope.json')).toThrow(expect.objectContaining({ code: 'ENOENT' }) as Error);
  });
});
