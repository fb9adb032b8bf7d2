// A CliContext that records what a command writes, for unit tests of src/cli/ modules that
// take a context (no process streams, no colour unless asked, a chosen cwd and env).
import { Chalk } from 'chalk';
import type { CliContext } from '../../src/cli/context.js';
import type { ProgressLine } from '../../src/cli/progress.js';
import { REPO } from './corpus.js';

export interface CapturedContext extends CliContext {
  /** Everything written to stdout and stderr so far. */
  readonly stdout: () => string;
  readonly stderr: () => string;
}

export function captureContext(o: { env?: NodeJS.ProcessEnv; cwd?: string; color?: boolean; verbose?: number; quiet?: boolean; progress?: ProgressLine } = {}): CapturedContext {
  let out = '';
  let err = '';
  const level = o.color === true ? 1 : 0;
  return {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    env: o.env ?? {},
    cwd: o.cwd ?? REPO,
    cOut: new Chalk({ level }),
    cErr: new Chalk({ level }),
    verbose: o.verbose ?? 0,
    quiet: o.quiet ?? false,
    progress: o.progress,
    stdout: () => out,
    stderr: () => err,
  };
}
