// What `check` adds to its platform-tag checks for one analysed wheel: the abi3 check (a
// failing one fails the wheel), and, as information only, the libraries the wheel may load
// at run time and those other wheels provide (--provided-by).
import { loadStableAbi } from '../policy/stable-abi.js';
import { abi3CheckOf, type Abi3Check } from './abi3-check.js';
import type { AuditOptions, AuditOutcome } from './audit.js';
import { providedIndex, type Provider } from './provider.js';
import type { RuntimeLoad } from './runtime-loads.js';
import { buildSupplement, type ProvidedUse } from './supplement.js';

export interface CheckSupplement {
  readonly runtimeLoads: readonly RuntimeLoad[];
  readonly provided: readonly ProvidedUse[];
}

type Options = Pick<AuditOptions, 'ldpaths' | 'env' | 'cwd' | 'root' | 'hostFs' | 'provided'> & {
  /** The providers behind `provided`, for naming them. */
  readonly providers?: readonly Provider[] | undefined;
};

export function checkExtras(outcome: Extract<AuditOutcome, { kind: 'platform' }>, o: Options): { abi3: Abi3Check | undefined; supplement: CheckSupplement } {
  const abi = loadStableAbi();
  const providers = o.providers ?? [];
  const s = buildSupplement(outcome.report, outcome.wheel, {
    stableAbi: abi,
    providers,
    index: providedIndex(providers),
    requirements: [],
    fs: o.hostFs,
    root: o.root,
    cwd: o.cwd,
    env: o.env,
    ldpaths: o.ldpaths,
  });
  return { abi3: abi3CheckOf(outcome.report, abi), supplement: { runtimeLoads: s.runtimeLoads, provided: s.provided } };
}
