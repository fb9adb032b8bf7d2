// A failed self-check is a wheelaudit bug: the CLI must say so and exit 70, not blame the
// input. No real input makes the self-check fail (that would be the bug itself), so the
// failure is injected: the editor's entry point is replaced, for this file only, by one that
// throws the error the self-check throws. Everything else (the command, the top-level catch,
// the exit code) is the real CLI.
import path from 'node:path';
import { describe, expect, it, vi } from 'vitest';
import { ElfSelfCheckError } from '../../src/errors.js';
import { runCli } from '../helpers/cli.js';
import { FIXTURES } from '../helpers/corpus.js';

vi.mock('../../src/elf/write.js', async (importOriginal) => ({
  ...(await importOriginal<typeof import('../../src/elf/write.js')>()),
  applyElfEdit: () => {
    throw new ElfSelfCheckError('the rewritten file failed its self-check: injected (the output was not written)');
  },
}));

describe('a self-check failure through the CLI', () => {
  it('exits 70 and reports a bug', async () => {
    const lib = path.join(FIXTURES, 'elf', 'out', 'x86_64', 'verdemo', 'libverdemo.so.1');
    const r = await runCli(['patch-elf', lib, '--set-soname', 'libx.so', '--output', '/nonexistent-dir/out.so']);
    expect(r.code).toBe(70);
    expect(r.stderr).toMatch(/internal error \(this is a bug, please report it\): the rewritten file failed its self-check: injected/);
    expect(r.stdout).toBe('');
  });
});
