// The few lines `repair` ends with: what was grafted (each library, where from, its size),
// what was left out and why, and the output's size and the time taken.
import path from 'node:path';
import type { RepairSummary } from '../../repair/summary.js';
import { formatBytes, formatSeconds } from './units.js';

export function renderRepairSummary(s: RepairSummary, outputPath: string, outputSize: number, ms: number): string {
  const lines: string[] = [];
  if (s.grafted.length === 0) {
    lines.push('grafted no libraries');
  } else {
    const total = s.grafted.reduce((n, g) => n + g.size, 0);
    lines.push(`grafted ${s.grafted.length} librar${s.grafted.length === 1 ? 'y' : 'ies'} (${formatBytes(total)}):`);
    for (const g of s.grafted) lines.push(`  ${g.soname} -> ${g.entry} (${formatBytes(g.size)}, from ${g.source})`);
  }
  for (const l of s.leftOut) lines.push(`left out ${l.name}: ${l.reason}`);
  lines.push(`wrote ${path.basename(outputPath)} (${formatBytes(outputSize)}) in ${formatSeconds(ms)}`);
  return lines.map((l) => `wheelaudit: ${l}\n`).join('');
}
