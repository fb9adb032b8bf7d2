// A repair refusal that names its culprits: the reference's one-line reason, plus every
// blocker (symbol@version and the files importing it, blacklisted symbols, ISA levels, libc
// or architecture mismatches, libraries that cannot be found) for the CLI to list, and the
// target tag so the CLI can name a build image that produces it.
import type { Blocker } from '../analyze/blockers.js';
import { RepairError, type ErrorCode, type ErrorOptions } from '../errors.js';

export class RefusalError extends RepairError {
  /** The requested platform tag (full name, e.g. manylinux_2_17_x86_64). */
  readonly target: string;
  readonly blockers: readonly Blocker[];

  constructor(code: ErrorCode, message: string, target: string, blockers: readonly Blocker[], options: ErrorOptions = {}) {
    super(code, message, options);
    this.target = target;
    this.blockers = blockers;
  }
}
