// `show --json`: auditwheel's schema version 1 (show-schema.json), key for key. Note that
// external_libs comes from the highest-priority policy, as the reference does (the text
// report uses the lowest); CI scripts already depend on that.
import type { AuditReport } from '../../analyze/report.js';
import type { JsonValue } from './pyjson.js';

const byKey = <T>(a: [string, T], b: [string, T]): number => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0);

export function showJson(r: AuditReport): JsonValue {
  const { policies } = r;
  const upgrades: Record<string, JsonValue> = {};
  for (const p of policies.policies) {
    if (p.priority <= r.overall.priority) continue;
    const ref = r.externalRefs.get(p.name);
    if (ref === undefined) continue;
    const entry: Record<string, JsonValue> = {};
    if (ref.libs.size > 0) entry['libs_to_eliminate'] = [...ref.libs.keys()].sort();
    if (ref.blacklist.size > 0) {
      entry['blacklisted_symbols'] = Object.fromEntries([...ref.blacklist].sort(byKey).map(([k, v]) => [k, [...v].sort()]));
    }
    if (Object.keys(entry).length > 0) upgrades[p.name] = entry;
  }
  const highest = r.externalRefs.get(policies.highest.name);
  return {
    version: 1,
    wheel: r.wheel,
    pure: false,
    overall_tag: r.overall.name,
    sym_tag: r.sym.name,
    pyfpe: r.pyfpe === policies.linux,
    ucs2: r.ucs === policies.linux,
    unsupported_isa: r.machine === policies.linux,
    versioned_symbols: Object.fromEntries([...r.versionedSymbols].sort(byKey).map(([k, v]) => [k, [...v].sort()])),
    external_libs: Object.fromEntries([...(highest?.libs ?? new Map<string, string | undefined>())].sort(byKey).map(([k, v]) => [k, v ?? null])),
    policy_upgrades: upgrades,
  };
}
