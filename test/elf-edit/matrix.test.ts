// The ELF rewrite matrix (design: /work/shared/design/elf-rewriting.md §6): every fixture variant
// built by fixtures/elf-edit/build.sh (8 arches + musl, ld.bfd/gold/lld, link options, hand-made
// edge cases) × the auditwheel-style edit scenarios of helpers/scenario.ts, each judged by the
// structural, layout, content, eu-elflint, runtime and post-processing oracles; and one test per
// failure class F1–F22 of the design's §5 (helpers/failure-classes.ts), in the same suite so they
// share the matrix's runs.
//
// Backend: the native editor (src/elf/write.ts); WHEELAUDIT_EDIT_BACKEND=patchelf runs the same
// matrix against Debian's patchelf to show that the oracles catch its known bugs (design §9).
import path from 'node:path';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { loadBackend } from './helpers/backend.js';
import { profileSummary } from './helpers/exec.js';
import { ensureMatrix, listVariants, missingBuildTools, missingTools } from './helpers/fixtures.js';
import { registerFailureClassTests } from './helpers/failure-classes.js';
import { report, runScenarioShared, scenariosFor, type ScenarioReport } from './helpers/scenario.js';
import { MET, needs, unmet } from '../helpers/requires.js';

const { backend, unavailable } = await loadBackend();
const variants = listVariants();
const buildMissing = missingBuildTools();
const backendName = backend?.name ?? 'none';

let root = '';
const summary = new Map<string, ScenarioReport>();

const usable = !backend ? unmet(unavailable ?? 'no editor backend') : buildMissing.length > 0 ? unmet(`needs the build tools ${buildMissing.join(', ')} (fixtures/elf-edit/README.md lists the Debian packages)`) : MET;

describe(`elf-edit matrix, slow (backend: ${backendName})`, { concurrent: true, ...needs(usable) }, () => {
  beforeAll(() => {
    root = ensureMatrix();
  }, 900_000);

  afterAll(() => {
    // One line per variant: strategies used and refusals, for the record.
    const lines: string[] = [];
    const notes: string[] = [];
    for (const v of variants) {
      const parts: string[] = [];
      for (const s of scenariosFor(v)) {
        const r = summary.get(`${v.name}/${s.name}`);
        if (!r) continue;
        const strat = [...new Set(Object.values(r.strategies))].join('+') || '-';
        const ref = r.refusals.length ? ` refused:${[...new Set(r.refusals.map((x) => x.code))].join(',')}` : '';
        for (const n of r.notes) notes.push(`${v.name}/${s.name}: ${n}`);
        parts.push(`${s.name}=${strat}${ref}${r.failures.length ? ` FAIL(${r.failures.length})` : ''}`);
      }
      if (parts.length) lines.push(`${v.name}: ${parts.join(' ')}`);
    }
    if (lines.length) process.stderr.write(`elf-edit matrix (${backendName}):\n  ${lines.join('\n  ')}\n`);
    if (process.env['WHEELAUDIT_ELF_EDIT_PROFILE']) process.stderr.write(profileSummary());
    if (notes.length) process.stderr.write(`elf-edit matrix notes:\n  ${notes.map((n) => n.slice(0, 300)).join('\n  ')}\n`);
  });

  if (backend) registerFailureClassTests({ backend, root: () => root });

  for (const v of variants) {
    const missing = missingTools(v.arch);
    const tools = needs(missing.length > 0 ? unmet(`needs ${missing.join(', ')} (fixtures/elf-edit/README.md lists the Debian packages)`) : MET);
    describe(v.name, () => {
      for (const s of scenariosFor(v)) {
        it(`slow: ${v.name} / ${s.name}`, { ...tools, timeout: 600_000 }, async ({ expect }) => {
          if (backend === undefined) throw new Error('no editor backend (the test is skipped then)');
          const r = await runScenarioShared(backend, v, path.join(root, v.name), s);
          summary.set(`${v.name}/${s.name}`, r);
          expect(r.failures, report(r)).toEqual([]);
        });
      }
    });
  }
});
