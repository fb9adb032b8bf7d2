// Audit a committed fixture wheel (fixtures/wheels/) on this host: the `show` flow with every
// option explicit, libraries from the host's own directories (no sysroot).
import { auditWheel, type AuditOptions, type AuditOutcome } from '../../src/analyze/audit.js';
import { HostFs } from '../../src/analyze/host-fs.js';
import { wheel } from './cli.js';
import { REPO } from './corpus.js';

export const HOST_AUDIT: AuditOptions = { disableIsaExtCheck: false, env: {}, cwd: REPO, root: '', hostFs: new HostFs() };

export function auditFixture(name: string, over: Partial<AuditOptions> = {}): Promise<AuditOutcome> {
  return auditWheel(wheel(name), { ...HOST_AUDIT, ...over });
}

/** The outcome of a fixture that must be a platform wheel (throws otherwise). */
export async function platformAudit(name: string, over: Partial<AuditOptions> = {}): Promise<Extract<AuditOutcome, { kind: 'platform' }>> {
  const o = await auditFixture(name, over);
  if (o.kind !== 'platform') throw new Error(`${name}: not a platform wheel: ${o.message}`);
  return o;
}
