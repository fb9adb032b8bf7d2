// The options of issue 10 shared by show, repair and check: --policy-file (read here, so the
// policy layer never opens user files), --provided-by and the repeatable-flag collector.
import { readFileSync, statSync, type Stats } from 'node:fs';
import path from 'node:path';
import { loadProvider } from '../analyze/load-provider.js';
import { providedIndex, providedTargets, type ProvidedTarget, type Provider } from '../analyze/provider.js';
import { describeError, IoError, isSystemError, PolicyError, UsageError } from '../errors.js';
import { describeFileKind } from '../util/file-kind.js';
import { MAX_JSON_CHARS } from '../policy/json-source.js';
import type { CustomPolicies } from '../policy/custom.js';
import { loadCustomPolicies } from '../policy/load.js';
import { printLogs, type CliContext } from './context.js';

/** Commander collector for a repeatable option. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

/** Read and merge --policy-file files; print their PEP 600 warnings. Undefined when none given. */
export function readPolicyFiles(ctx: CliContext, files: readonly string[] | undefined): CustomPolicies | undefined {
  if (files === undefined || files.length === 0) return undefined;
  const sources = files.map((f) => {
    const abs = path.resolve(ctx.cwd, f);
    // Stat before opening: a FIFO would block the open forever and /dev/zero never ends. A
    // policy file is a few hundred KiB at most; do not read a huge file to refuse it.
    let st: Stats;
    try {
      st = statSync(abs);
    } catch (e) {
      // A missing file named on the command line is a usage error, as for the wheel itself.
      if (isSystemError(e) && (e.code === 'ENOENT' || e.code === 'ENOTDIR')) throw new UsageError(`--policy-file ${f}: no such file`, { cause: e });
      throw new IoError(`--policy-file ${f}: ${describeError(e)}`, { cause: e });
    }
    if (!st.isFile()) throw new UsageError(`--policy-file ${f}: it is ${describeFileKind(st)}, expected a policy file (JSON)`);
    if (st.size > MAX_JSON_CHARS) throw new PolicyError('POLICY_INVALID', `${f}: the file is larger than ${MAX_JSON_CHARS} bytes; not a policy file`);
    try {
      return { label: f, text: readFileSync(abs, 'utf8') };
    } catch (e) {
      throw new IoError(`--policy-file ${f}: ${describeError(e)}`, { cause: e });
    }
  });
  const custom = loadCustomPolicies(sources);
  printLogs(
    ctx,
    custom.warnings.map((message) => ({ level: 'warning', message })),
  );
  return custom;
}

/** Read every --provided-by source. */
export async function readProviders(ctx: CliContext, sources: readonly string[] | undefined): Promise<Provider[]> {
  const out: Provider[] = [];
  for (const s of sources ?? []) out.push(await loadProvider(s, ctx.cwd));
  return out;
}

/** soname or file name -> install path, for the analysis. */
export function providedPaths(providers: readonly Provider[]): Map<string, ProvidedTarget> {
  return providedTargets(providedIndex(providers));
}
