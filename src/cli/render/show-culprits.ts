// The part of `show -v` auditwheel lacks: for every tag more compatible than the verdict,
// what rules it out, named (symbol@VERSION and the importing file, black-listed symbols, the
// chain to each external library, ISA levels). Tags ruled out by the same culprits are
// grouped, newest first, so 16 manylinux tags read as two or three groups. Each group ends
// with the hint a refusal gives for its newest tag (the nearest build image that clears it).
import { blockersFor, type Blocker } from '../../analyze/blockers.js';
import type { AuditReport } from '../../analyze/report.js';
import type { Policy } from '../../policy/types.js';
import { blockerHint, blockerLines } from './blockers-text.js';

interface Group {
  readonly tags: Policy[];
  readonly blockers: readonly Blocker[];
}

/** Text appended to the verbose `show` report; empty when nothing is ruled out. */
export function renderShowCulprits(r: AuditReport): string {
  const rejected = r.policies.policies.filter((p) => p !== r.policies.linux && p.priority > r.overall.priority);
  const groups: Group[] = [];
  let key = '';
  for (const p of rejected) {
    const blockers = blockersFor(r, p, 'as-is');
    const k = JSON.stringify(blockerLines(blockers, 'the tag'));
    const last = groups.at(-1);
    if (last !== undefined && k === key) last.tags.push(p);
    else groups.push({ tags: [p], blockers });
    key = k;
  }
  if (groups.length === 0) return '';
  let out = '\nWhat rules out each more compatible tag:\n';
  for (const g of groups) {
    const first = g.tags[0] as Policy;
    const last = g.tags.at(-1) as Policy;
    const label = g.tags.length === 1 ? first.name : `${first.name} to ${last.name} (${g.tags.length} tags)`;
    out += `  ${label}:\n`;
    for (const line of blockerLines(g.blockers, g.tags.length === 1 ? first.name : 'these tags')) out += `    - ${line}\n`;
    const hint = blockerHint(g.blockers, first.name);
    if (hint !== undefined) out += `    hint: ${hint}\n`;
  }
  return out;
}
