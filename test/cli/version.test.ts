// The version the CLI prints is package.json's, read through the package files.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { packageVersion } from '../../src/cli/version.js';
import { REPO } from '../helpers/corpus.js';
import { runCli } from '../helpers/cli.js';

describe('packageVersion', () => {
  it("is package.json's version, and what --version prints", async () => {
    const want = (JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { version: string }).version;
    expect(want).toMatch(/^\d+\.\d+\.\d+/);
    expect(packageVersion()).toBe(want);
    const r = await runCli(['--version']);
    expect(r.stdout.trim()).toContain(want);
  });
});
