// The reader of wheelaudit's output may go away early (`wheelaudit show --json x.whl | head -1`):
// the command must neither crash with an EPIPE stack trace nor change its exit code.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { FIXTURES, REPO } from '../helpers/corpus.js';

const BIN = path.join(REPO, 'bin', 'wheelaudit.js');

/** Run the installed command with its stdout pipe closed by the reader before anything is written. */
function runWithClosedStdout(argv: readonly string[]): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, ...argv], { cwd: REPO, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.destroy();
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (t: string) => (stderr += t));
    child.on('error', reject);
    child.on('close', (code) => {
      resolve({ code, stderr });
    });
  });
}

describe('a closed stdout pipe', () => {
  const wheel = path.join(FIXTURES, 'wheels', 'abi3leak-0.1.0-cp38-abi3-linux_x86_64.whl');

  it.each([
    ['show --json', ['show', '--json', wheel]],
    ['show -v', ['-v', 'show', wheel]],
    ['lddtree', ['lddtree', path.join(FIXTURES, 'elf', 'out', 'x86_64', 'verdemo', 'verdemo-main')]],
  ])('%s: no EPIPE crash, exit code unchanged', async (_what, argv) => {
    const r = await runWithClosedStdout(argv);
    expect(r.stderr).not.toMatch(/EPIPE|Unhandled|at .*\.js:\d+/);
    expect(r.code).toBe(0);
  });
});
