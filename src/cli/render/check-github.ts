// `check --format github`: GitHub Actions workflow commands, one `::error` annotation per
// failed claim or unreadable wheel (a `::warning` per note), and the Markdown table appended to
// $GITHUB_STEP_SUMMARY. Escaping follows the runner's rules: data escapes %, CR and LF;
// property values also escape : and ,.
import type { TagCheck } from '../../analyze/check.js';
import { abi3GithubMessage, abi3SummaryWhy } from './check-extras.js';
import { blockerHint, blockerLines } from './blockers-text.js';
import { isFailure, type WheelOutcome } from './check-json.js';
import { repairCommand } from './check-text.js';

function escapeData(s: string): string {
  return s.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(s: string): string {
  return escapeData(s).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

function command(kind: 'error' | 'warning', file: string, title: string, message: string): string {
  return `::${kind} file=${escapeProperty(file)},title=${escapeProperty(title)}::${escapeData(message)}\n`;
}

function failureMessage(c: TagCheck, path: string, flags: readonly string[]): string {
  const lines = [`${c.tag} is not deserved${c.reason === undefined ? '' : `: ${c.reason}`}`, ...blockerLines(c.blockers, c.tag).map((l) => `- ${l}`)];
  if (c.repair?.fixes === true) lines.push(`repair fixes this: ${repairCommand(c, path, flags)}`);
  else if (c.repair !== undefined) lines.push('repair cannot fix this');
  const hint = blockerHint(c.repair?.fixes === false ? c.repair.blockers : c.blockers, c.tag);
  if (hint !== undefined) lines.push(`hint: ${hint}`);
  return lines.join('\n');
}

export function renderCheckGithub(wheels: readonly WheelOutcome[], flags: readonly string[] = []): string {
  let out = '';
  for (const w of wheels) {
    if (isFailure(w)) {
      out += command('error', w.path, `wheelaudit: ${w.error.code}`, w.error.message);
      continue;
    }
    for (const c of w.checks) if (c.status === 'fail') out += command('error', w.path, `wheelaudit: ${c.tag}`, c.check === 'abi3' ? abi3GithubMessage(c, w.path) : failureMessage(c, w.path, flags));
    for (const n of w.notes) out += command('warning', w.path, 'wheelaudit', n);
  }
  return out;
}

/** A table cell: pipes and newlines would break the row. */
function cell(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

const code = (s: string): string => `\`${s.replace(/`/g, "'")}\``;

/** The Markdown appended to $GITHUB_STEP_SUMMARY: one row per checked claim. */
export function renderCheckSummary(wheels: readonly WheelOutcome[]): string {
  const rows: string[] = [];
  for (const w of wheels) {
    if (isFailure(w)) {
      rows.push(`| ${code(w.wheel)} | | :x: error | ${cell(`${w.error.code}: ${w.error.message}`)} |`);
      continue;
    }
    if (w.checks.length === 0) rows.push(`| ${code(w.wheel)} | | :white_check_mark: pass | ${cell(w.notes.join('; '))} |`);
    for (const c of w.checks) {
      if (c.check === 'abi3') {
        const verdict = c.status === 'pass' ? ':white_check_mark: pass' : `:x: fail${c.repair.action === 'retag' ? ' (repair fixes it)' : ' (repair cannot fix it)'}`;
        rows.push(`| ${code(w.wheel)} | ${code(c.tag)} | ${verdict} | ${cell(abi3SummaryWhy(c))} |`);
        continue;
      }
      const result =
        c.status === 'pass' ? ':white_check_mark: pass' : c.status === 'skip' ? ':heavy_minus_sign: skipped' : `:x: fail${c.repair?.fixes === true ? ' (repair fixes it)' : c.repair !== undefined ? ' (repair cannot fix it)' : ''}`;
      const why = c.status === 'fail' ? [...(c.reason === undefined ? [] : [c.reason]), ...blockerLines(c.blockers, c.tag)].join('\n') : (c.reason ?? '');
      rows.push(`| ${code(w.wheel)} | ${code(c.tag)} | ${result} | ${cell(why)} |`);
    }
  }
  const failed = wheels.filter((w) => isFailure(w) || !w.passed).length;
  const n = wheels.length;
  const head = failed === 0 ? (n === 1 ? 'the wheel passed' : `all ${n} wheels passed`) : n === 1 ? 'the wheel failed' : `${failed} of ${n} wheels failed`;
  return `### wheelaudit check: ${head}\n\n| wheel | tag | result | culprits |\n| --- | --- | --- | --- |\n${rows.join('\n')}\n\n`;
}
