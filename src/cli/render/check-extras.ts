// `check` output for what issue 10 adds: the abi3 check (text, JSON, GitHub annotation and
// summary row) and the wheel's run-time loads and provided libraries (JSON only: they never
// fail a wheel).
import type { ChalkInstance } from 'chalk';
import type { Abi3Check } from '../../analyze/abi3-check.js';
import { describeAbi3Problem } from '../../analyze/abi3.js';
import type { CheckSupplement } from '../../analyze/check-extras.js';
import type { LoadStatus } from '../../analyze/runtime-loads.js';
import { formatPyVersion } from '../../policy/stable-abi.js';
import type { JsonValue } from './pyjson.js';

/** What to do about a failed abi3 check. */
function abi3Next(c: Abi3Check, path: string): string {
  if (c.repair.action === 'retag') return `repair fixes this: wheelaudit repair ${path} (retags it ${c.repair.tag ?? ''})`;
  return 'repair cannot fix this: no abi3 tag is true for it; rebuild against the limited API, or build version-specific wheels';
}

export function abi3FailedText(c: Abi3Check, path: string, color: ChalkInstance): string {
  let out = `  ${c.tag} (${c.claimedBy.join(', ')}): ${color.red('fail')}: ${c.reason ?? ''}\n`;
  for (const p of c.problems) out += `    - ${p.elf}: ${describeAbi3Problem(p)}\n`;
  return `${out}    ${abi3Next(c, path)}\n`;
}

export function abi3GithubMessage(c: Abi3Check, path: string): string {
  return [`${c.tag} is not deserved: ${c.reason ?? ''}`, ...c.problems.map((p) => `- ${p.elf}: ${describeAbi3Problem(p)}`), abi3Next(c, path)].join('\n');
}

export function abi3SummaryWhy(c: Abi3Check): string {
  return c.problems.map((p) => `${p.elf}: ${describeAbi3Problem(p)}`).join('\n');
}

export function abi3CheckJson(c: Abi3Check): JsonValue {
  return {
    check: c.check,
    tag: c.tag,
    claimed_by: [...c.claimedBy],
    status: c.status,
    reason: c.reason ?? null,
    problems: c.problems.map((p) => ({
      kind: p.kind,
      file: p.elf,
      symbol: p.symbol,
      needs: p.kind === 'newer' ? formatPyVersion(p.needs) : null,
      ifdef: p.kind === 'conditional' ? p.ifdef : null,
    })),
    needed_version: c.neededVersion,
    stable_abi_commit: c.dataCommit,
    repair: { action: c.repair.action, tag: c.repair.tag ?? null },
  };
}

function statusJson(s: LoadStatus): JsonValue {
  switch (s.kind) {
    case 'wheel':
      return { found: 'wheel', path: s.entry };
    case 'host':
      return { found: 'host', path: s.path };
    case 'missing':
    case 'computed':
      return { found: s.kind, path: null };
  }
}

/** The wheel-level keys for `check --format json`. */
export function supplementJson(s: CheckSupplement | undefined): Record<string, JsonValue> {
  if (s === undefined) return {};
  return {
    runtime_loads: s.runtimeLoads.map((l) => ({ file: l.file, line: l.line ?? null, via: l.via, name: l.name, form: l.form, ...(statusJson(l.status) as Record<string, JsonValue>) })),
    provided_libraries: s.provided.map((u) => ({ soname: u.soname, distribution: u.match.provider.distribution, installed: u.match.library.installed, needed_by: [...u.neededBy] })),
  };
}
