// What a test needs from the machine, and the one way to skip a test that cannot run here:
// with a reason. `needs(...)` gives vitest test options that skip the test (or a whole
// describe) when a requirement is unmet and record the reason in the task's meta, where
// test/helpers/skip-reporter.ts finds it and lists it at the end of the run. A requirement
// that is a documented optional oracle (an installed auditwheel, data outside the repo) is
// marked as such; .ci/run fails on any other skip (WHEELAUDIT_SKIPS=forbid).
//
//   describe('...', needs(requireTool('gcc', 'gcc')), () => { ... })
//   it('...', needs(requireFile('/usr/lib/musl/lib/libc.so', 'musl')), () => { ... })
//   it('...', (ctx) => { const r = ...; if (!r.ok) ctx.skip(r.reason); ... })   // when only known at run time
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

declare module '@vitest/runner' {
  interface TaskMeta {
    /** Why the test was skipped (set by needs()). */
    skipReason?: string;
    /** The unmet requirement is a documented optional oracle. */
    optionalOracle?: boolean;
  }
}

/** The prefix that marks a reason as a documented optional oracle (also in ctx.skip notes). */
export const OPTIONAL_ORACLE = 'optional oracle: ';

export interface Requirement {
  readonly ok: boolean;
  /** Why a test needing this cannot run here; '' when met. */
  readonly reason: string;
  readonly optional: boolean;
}

export const MET: Requirement = { ok: true, reason: '', optional: false };

export function unmet(reason: string, opts: { optional?: boolean } = {}): Requirement {
  const optional = opts.optional === true;
  return { ok: false, reason: optional && !reason.startsWith(OPTIONAL_ORACLE) ? `${OPTIONAL_ORACLE}${reason}` : reason, optional };
}

/** From the `{ ok } | { ok: false, reason }` objects older helpers return. */
export function fromSupport(s: { readonly ok: true } | { readonly ok: false; readonly reason: string }): Requirement {
  return s.ok ? MET : unmet(s.reason);
}

const toolCache = new Map<string, boolean>();

/** True when `tool` is on PATH. */
export function onPath(tool: string): boolean {
  let hit = toolCache.get(tool);
  if (hit === undefined) {
    hit = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', tool], { stdio: 'ignore' }).status === 0;
    toolCache.set(tool, hit);
  }
  return hit;
}

/** A command on PATH, from the Debian package `pkg` (named in the reason). */
export function requireTool(tool: string, pkg: string): Requirement {
  return onPath(tool) ? MET : unmet(`needs ${tool} (Debian package ${pkg})`);
}

/** A file on the host, from the Debian package `pkg`. */
export function requireFile(file: string, pkg: string): Requirement {
  return existsSync(file) ? MET : unmet(`needs ${file} (Debian package ${pkg})`);
}

/** The Debian packages of the host libraries tests name, for the skip reasons. */
const LIBRARY_PACKAGES: Readonly<Record<string, string>> = {
  'libffi.so.8': 'libffi8',
  'libxml2.so.2': 'libxml2',
  'libicuuc.so.72': 'libicu72',
  'libicudata.so.72': 'libicu72',
  'liblzma.so.5': 'liblzma5',
  'libgobject-2.0.so.0': 'libglib2.0-0',
  'libGL.so.1': 'libgl1',
  'libOpenGL.so.0': 'libopengl0',
};

/** Libraries the host must have in its multiarch directory (x86_64), by soname. */
export function requireLibs(...sonames: readonly string[]): Requirement {
  return requireAll(
    ...sonames.map((s) =>
      existsSync(`/usr/lib/x86_64-linux-gnu/${s}`) || existsSync(`/lib/x86_64-linux-gnu/${s}`)
        ? MET
        : unmet(`needs ${s} on the host (Debian package ${LIBRARY_PACKAGES[s] ?? 'providing it'})`),
    ),
  );
}

/** An optional oracle given through the environment variable `name`. */
export function requireEnv(name: string, what: string): Requirement {
  const v = process.env[name];
  return v !== undefined && v !== '' ? MET : unmet(`${name} is not set (${what})`, { optional: true });
}

/** Running as root (chroot, mount namespaces). */
export function requireRoot(why: string): Requirement {
  return process.getuid?.() === 0 ? MET : unmet(`needs root (${why})`);
}

/** All of `rs`: met when each is; otherwise the unmet reasons joined (optional only if all are). */
export function requireAll(...rs: readonly Requirement[]): Requirement {
  const bad = rs.filter((r) => !r.ok);
  if (bad.length === 0) return MET;
  // Reasons of nested requireAll calls are lists already: each reason is given once.
  const reasons = new Set(bad.flatMap((r) => r.reason.split('; ')));
  return { ok: false, reason: [...reasons].join('; '), optional: bad.every((r) => r.optional) };
}

export interface NeedsOptions {
  readonly skip: boolean;
  readonly meta: { skipReason?: string; optionalOracle?: boolean };
}

/** Test or describe options: skip with the reasons when any requirement is unmet. */
export function needs(...rs: readonly Requirement[]): NeedsOptions {
  const r = requireAll(...rs);
  return r.ok ? { skip: false, meta: {} } : { skip: true, meta: { skipReason: r.reason, optionalOracle: r.optional } };
}
