// The GraftSource records planRepair takes for every library a report would graft under
// `policy`, read here from the files (sha256 prefix, mode, DT_NEEDED) so that plan tests do not
// depend on where repair's own gathering code lives.
import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { AuditReport } from '../../src/analyze/report.js';
import { parseElf } from '../../src/elf/index.js';
import type { GraftSource } from '../../src/repair/plan.js';

export function graftSources(report: AuditReport, policy: string): Map<string, GraftSource> {
  const out = new Map<string, GraftSource>();
  for (const refs of report.fullExternalRefs.values()) {
    for (const p of refs.get(policy)?.libs.values() ?? []) {
      if (p === undefined || out.has(p)) continue;
      const bytes = readFileSync(p);
      out.set(p, { realpath: p, h8: createHash('sha256').update(bytes).digest('hex').slice(0, 8), mode: statSync(p).mode, needed: parseElf(new Uint8Array(bytes)).dynamic?.needed ?? [] });
    }
  }
  return out;
}
