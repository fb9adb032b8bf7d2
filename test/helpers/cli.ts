// Run the CLI in-process with captured output, or as a real child process.
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { run } from '../../src/cli/main.js';
import { captureContext } from './cli-context.js';
import { REPO } from './corpus.js';

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export async function runCli(argv: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; color?: boolean } = {}): Promise<CliResult> {
  const ctx = captureContext(opts);
  const code = await run(argv, ctx);
  return { code, stdout: ctx.stdout(), stderr: ctx.stderr() };
}

/** The built CLI (dist/) as a child process: real exit codes, real streams. */
export function spawnCli(argv: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): CliResult {
  const r = spawnSync(process.execPath, [path.join(REPO, 'bin', 'wheelaudit.js'), ...argv], {
    cwd: opts.cwd ?? REPO,
    env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...opts.env },
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

export function wheel(name: string): string {
  return path.join(REPO, 'fixtures', 'wheels', name);
}
