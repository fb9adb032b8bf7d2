// `check` as text on stdout: one line per wheel (pass or fail), and for a failed claim the
// culprits, whether `repair` fixes it, and the next step.
import type { ChalkInstance } from 'chalk';
import type { CheckResult, TagCheck } from '../../analyze/check.js';
import { abi3FailedText } from './check-extras.js';
import { blockerHint, blockerLines } from './blockers-text.js';
import { isFailure, type WheelOutcome } from './check-json.js';

function sources(c: CheckResult): string {
  return c.claimedBy.length === 0 ? '' : ` (${c.claimedBy.join(', ')})`;
}

/** A word for a POSIX shell: as is when plain, else single-quoted. */
function shellWord(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, "'\\''")}'`;
}

/**
 * The repair command that earns the claimed tag (`any` is replaced by the platform's tag),
 * with the library lookup flags the check ran with (`flags`), so it finds the same libraries.
 */
export function repairCommand(c: TagCheck, path: string, flags: readonly string[] = []): string {
  const plat = c.tag === 'any' ? [] : ['--plat', c.tag];
  return ['wheelaudit', 'repair', ...flags, ...plat, path].map(shellWord).join(' ');
}

function failedCheck(c: TagCheck, path: string, color: ChalkInstance, flags: readonly string[]): string {
  let out = `  ${c.tag}${sources(c)}: ${color.red('fail')}${c.reason === undefined ? '' : `: ${c.reason}`}\n`;
  for (const line of blockerLines(c.blockers, c.tag)) out += `    - ${line}\n`;
  if (c.repair !== undefined) {
    if (c.repair.fixes) {
      out += `    repair fixes this: ${repairCommand(c, path, flags)}\n`;
    } else {
      out += '    repair cannot fix this';
      const before = new Set(blockerLines(c.blockers, c.tag));
      const after = blockerLines(c.repair.blockers, c.tag).filter((l) => !before.has(l));
      out += after.length > 0 ? '; after grafting, these would also block:\n' : '\n';
      for (const line of after) out += `    - ${line}\n`;
    }
  }
  const hint = blockerHint(c.repair?.fixes === false ? c.repair.blockers : c.blockers, c.tag);
  if (hint !== undefined) out += `    hint: ${hint}\n`;
  return out;
}

/** The text report; `quiet` leaves out wheels that passed; `flags` go into suggested repair commands. */
export function renderCheckText(wheels: readonly WheelOutcome[], color: ChalkInstance, quiet: boolean, flags: readonly string[] = []): string {
  let out = '';
  for (const w of wheels) {
    // Errors go to stderr as error lines; the report names the wheel only.
    if (isFailure(w)) {
      out += `${w.wheel}: ${color.red('error')} (${w.error.code})\n`;
      continue;
    }
    const judged = w.checks.filter((c) => c.status !== 'skip');
    if (w.passed) {
      if (quiet) continue;
      const tags = judged.map((c) => c.tag);
      out += `${w.wheel}: ${color.green('pass')}${tags.length > 0 ? ` (${tags.join(', ')})` : ' (no Linux platform tag to check)'}\n`;
    } else {
      out += `${w.wheel}: ${color.red('fail')}\n`;
      for (const c of w.checks) if (c.status === 'fail') out += c.check === 'abi3' ? abi3FailedText(c, w.path, color) : failedCheck(c, w.path, color, flags);
      const passed = w.checks.filter((c) => c.status === 'pass').map((c) => c.tag);
      if (passed.length > 0) out += `  passes: ${passed.join(', ')}\n`;
    }
    for (const c of w.checks) if (c.status === 'skip' && !quiet) out += `  ${c.tag}: skipped (${c.reason ?? ''})\n`;
    if (!quiet) for (const n of w.notes) out += `  note: ${n}\n`;
  }
  const failed = wheels.filter((w) => isFailure(w) || !w.passed).length;
  if (wheels.length > 1 && !(quiet && failed === 0)) out += `${failed === 0 ? 'all' : `${failed} of`} ${wheels.length} wheels ${failed === 0 ? 'passed' : 'failed'}\n`;
  return out;
}
