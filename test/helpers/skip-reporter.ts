// A vitest reporter that ends every run with the list of skipped tests and why each was
// skipped, grouped by reason, so that nothing is skipped silently. A reason comes from
// needs() (test/helpers/requires.ts, in the task meta, inherited from a describe), from a
// ctx.skip(note), or from a `[skipped: ...]` note in the title of the test or a suite above
// it. With WHEELAUDIT_SKIPS=forbid (set by .ci/run) the run fails when a test skipped for any
// reason other than a documented optional oracle, or for no stated reason at all.
import type { Reporter, TestCase, TestModule, TestSuite, Vitest } from 'vitest/node';
import { OPTIONAL_ORACLE } from './requires.js';

interface Skip {
  readonly file: string;
  readonly name: string;
  readonly reason: string;
  readonly optional: boolean;
}

const NO_REASON = 'no reason given (skip it through test/helpers/requires.ts needs())';

function titleNote(name: string): string | undefined {
  return /\[(?:skipped|skip): ([^\]]*)\]/.exec(name)?.[1];
}

/** The reason a skipped test gives, looking up through its suites. */
export function skipReason(test: TestCase): { reason: string; optional: boolean } | undefined {
  const meta = test.meta();
  const result = test.result();
  const note = result.state === 'skipped' ? result.note : undefined;
  if (note !== undefined && note !== '') return { reason: note, optional: note.startsWith(OPTIONAL_ORACLE) };
  if (meta.skipReason !== undefined) return { reason: meta.skipReason, optional: meta.optionalOracle === true };
  for (let t: TestCase | TestSuite | TestModule = test; t.type !== 'module'; t = t.parent) {
    const n = titleNote(t.name);
    if (n !== undefined) return { reason: n, optional: n.startsWith(OPTIONAL_ORACLE) };
  }
  // Tests left unrun because a hook of their suite or file failed (the run fails anyway).
  for (let t: TestSuite | TestModule = test.parent; ; t = t.parent) {
    if (t.state() === 'failed') return { reason: 'not run: a hook of its suite or file failed', optional: false };
    if (t.type === 'module') break;
  }
  return undefined;
}

export default class SkipReporter implements Reporter {
  private filtered = false;

  onInit(vitest: Vitest): void {
    // With -t, tests outside the filter are "skipped" too: those have no reason to report.
    this.filtered = vitest.config.testNamePattern !== undefined;
  }

  onTestRunEnd(modules: readonly TestModule[]): void {
    const skips: Skip[] = [];
    for (const m of modules) {
      for (const t of m.children.allTests()) {
        if (t.result().state !== 'skipped') continue;
        const r = skipReason(t);
        if (r === undefined && this.filtered) continue;
        skips.push({ file: m.relativeModuleId, name: t.fullName, reason: r?.reason ?? NO_REASON, optional: r?.optional ?? false });
      }
    }
    if (skips.length === 0) return;
    const byReason = new Map<string, Skip[]>();
    for (const s of skips) byReason.set(s.reason, [...(byReason.get(s.reason) ?? []), s]);
    const lines = ['', `Skipped tests (${skips.length}), by reason:`];
    for (const [reason, list] of [...byReason].sort((a, b) => b[1].length - a[1].length)) {
      lines.push(`  ${reason} — ${list.length} test${list.length === 1 ? '' : 's'}:`);
      for (const s of list) lines.push(`      ${s.file} > ${s.name}`);
    }
    const bad = skips.filter((s) => !s.optional);
    if (process.env['WHEELAUDIT_SKIPS'] === 'forbid' && bad.length > 0) {
      lines.push(`FAIL: ${bad.length} test(s) skipped for a reason other than a documented optional oracle (WHEELAUDIT_SKIPS=forbid)`);
      process.exitCode = 1;
    }
    process.stdout.write(`${lines.join('\n')}\n`);
  }
}
