// The repair steps of --include, --provided-by and the abi3 check, as three calls repair.ts
// makes around its own flow: before the analysis (what to add and what counts as provided),
// after it (refuse or retag abi3, warn about an undeclared provider), and after planning
// (graft the included libraries, point run paths at provided ones).
import { checkAbi3, decideAbi3, describeAbi3Problem } from '../analyze/abi3.js';
import { readWheelMetadata } from '../analyze/load-provider.js';
import { checkRequirement, providedIndex, providedTargets, requiresDist, type ProvidedMatch, type ProvidedTarget, type Provider } from '../analyze/provider.js';
import type { AuditReport, LogRecord } from '../analyze/report.js';
import { providedUses } from '../analyze/supplement.js';
import type { WheelContents } from '../analyze/wheel-abi.js';
import { RepairError } from '../errors.js';
import { formatPyVersion, loadStableAbi } from '../policy/stable-abi.js';
import type { Libc } from '../policy/types.js';
import type { LibrarySearch } from './host-context.js';
import { resolveIncludes, withIncludes, type ResolvedInclude } from './includes.js';
import { planExtras, type PlanExtrasOptions } from './plan-extras.js';
import type { RepairPlan } from './plan.js';

export interface ExtrasInput {
  readonly includes: readonly string[];
  readonly providers: readonly Provider[];
}

export interface PreparedExtras {
  readonly index: ReadonlyMap<string, ProvidedMatch>;
  readonly includes: readonly ResolvedInclude[];
  /** soname or file name -> install path, for the analysis (provided and included libraries). */
  readonly provided: ReadonlyMap<string, ProvidedTarget>;
  readonly amendContents: ((c: WheelContents) => WheelContents) | undefined;
}

/**
 * Before the analysis: find the included libraries through the host's library search (for
 * `libc`, glibc when unknown) and index what the providers install.
 */
export function prepareExtras(input: ExtrasInput, c: LibrarySearch & { readonly libDir: string; readonly libc: Libc | undefined }): PreparedExtras {
  const index = providedIndex(input.providers);
  const provided = providedTargets(index);
  const includes = input.includes.length === 0 ? [] : resolveIncludes(input.includes, { ...c, libc: c.libc ?? 'glibc' });
  for (const i of includes) {
    // Included libraries were already checked against the wheel's machine.
    const target = { installed: i.library.entry, platform: undefined };
    provided.set(i.library.name, target);
    if (i.library.soname !== undefined) provided.set(i.library.soname, target);
  }
  return { index, includes, provided, amendContents: includes.length === 0 ? undefined : (contents) => withIncludes(contents, includes) };
}

/**
 * After the analysis: the python tag an abi3 wheel must get (undefined: keep it), warnings
 * for providers missing from Requires-Dist. Throws REPAIR_REFUSED for an abi3 wheel that uses
 * symbols outside the stable ABI (no abi3 tag would be true).
 */
export async function afterAudit(report: AuditReport, x: PreparedExtras, o: { wheelPath: string; file: string; updateTags: boolean; providers: readonly Provider[] }): Promise<{ abi3PythonTag: string | undefined; logs: LogRecord[] }> {
  const logs: LogRecord[] = [];
  let abi3PythonTag: string | undefined;
  const abi3 = checkAbi3(
    report.name,
    report.elves.map((e) => [e.path, e.summary] as const),
    loadStableAbi(),
  );
  if (abi3 !== undefined) {
    const d = decideAbi3(abi3);
    if (d.kind !== 'keep' && !o.updateTags) {
      const why = abi3.problems.map((p) => `${p.elf}: ${describeAbi3Problem(p)}`).join('; ');
      logs.push({ level: 'warning', message: `abi3: the ${abi3.claim.pythonTag}-abi3 tag is not true (${why}); kept as asked (--no-update-tags)` });
    } else if (d.kind === 'refuse') {
      const what = d.problems.map((p) => `${p.elf}: ${describeAbi3Problem(p)}`).join('; ');
      throw new RepairError('REPAIR_REFUSED', `cannot repair "${o.file}" as ${abi3.claim.pythonTag}-abi3: it uses Python C-API symbols outside the stable ABI (${what})`, {
        hint: `rebuild with Py_LIMITED_API set for Python ${formatPyVersion(abi3.claim.floor)}, or build version-specific wheels (e.g. cp311-cp311)`,
      });
    } else if (d.kind === 'raise') {
      const why = abi3.problems.map((p) => describeAbi3Problem(p)).join(', ');
      abi3PythonTag = d.to;
      logs.push({ level: 'warning', message: `abi3: the wheel needs the stable ABI of Python ${formatPyVersion(abi3.neededVersion)} (${why}); retagging ${d.from}-abi3 as ${d.to}-abi3` });
    }
  }
  const uses = providedUses(report, x.index);
  const used = new Set(uses.map((u) => u.match.provider.source));
  if (used.size > 0) {
    const requirements = requiresDist((await readWheelMetadata(o.wheelPath)) ?? '');
    for (const p of o.providers.filter((q) => used.has(q.source))) {
      const r = checkRequirement(requirements, p.distribution);
      if (r.kind === 'missing') logs.push({ level: 'warning', message: `${p.distribution} provides libraries this wheel needs, but is not in its Requires-Dist: installing the wheel will not install them` });
      if (r.kind === 'conditional') logs.push({ level: 'warning', message: `${p.distribution} provides libraries this wheel needs, but Requires-Dist names it only when ${r.marker}` });
    }
  }
  for (const u of uses) logs.push({ level: 'info', message: `Not grafting ${u.soname}: ${u.match.provider.distribution} installs it as ${u.match.library.installed}` });
  for (const p of o.providers.filter((q) => !used.has(q.source))) {
    logs.push({ level: 'warning', message: `--provided-by ${p.source}: provides none of the libraries this wheel needs` });
  }
  return { abi3PythonTag, logs };
}

/** After planning: graft the included libraries and add run paths to provided ones. */
export function extendPlan(plan: RepairPlan, report: AuditReport, x: PreparedExtras, o: Omit<PlanExtrasOptions, 'includes' | 'provided' | 'runPaths'>): RepairPlan {
  return planExtras(plan, {
    ...o,
    includes: x.includes.map((i) => i.library),
    provided: providedUses(report, x.index),
    runPaths: new Map(report.elves.map((e) => [e.path, e.summary.runpath ?? e.summary.rpath ?? ''])),
  });
}
