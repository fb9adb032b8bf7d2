// Wheel contents for the analysis, made from the committed ELF fixtures (fixtures/elf/out/)
// without packing a zip: an entry name -> fixture map becomes the WheelContents that
// load-wheel.ts would read, and host options for analyzeWheelAbi (the host's own libraries,
// no sysroot). For tests of the analysis modules whose subject is not the zip layer.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { summarizeElf, type ElfSummary } from '../../src/analyze/elf-summary.js';
import { HostFs } from '../../src/analyze/host-fs.js';
import type { AnalyzeOptions, WheelContents } from '../../src/analyze/wheel-abi.js';
import { parseElf } from '../../src/elf/index.js';
import { parseWheelName } from '../../src/wheel/name.js';
import { FIXTURES, REPO } from './corpus.js';

export const ELF_OUT = path.join(FIXTURES, 'elf', 'out');

/** The bytes of a committed ELF fixture, by its path under fixtures/elf/out/. */
export function elfFixture(rel: string): Uint8Array {
  return new Uint8Array(readFileSync(path.join(ELF_OUT, rel)));
}

/** The summary load-wheel.ts makes of the fixture `rel` stored as entry `entry`. */
export function summaryOf(rel: string, entry: string): ElfSummary {
  return summarizeElf(parseElf(elfFixture(rel)), entry);
}

/**
 * The contents of a wheel named `filename` holding `files` (entry -> fixture path, or null
 * for a non-ELF entry). RECORD lists every entry unless `record` says otherwise.
 */
export function contentsOf(filename: string, files: Readonly<Record<string, string | null>>, record?: readonly string[]): WheelContents {
  const elves = new Map<string, ElfSummary>();
  for (const [entry, rel] of Object.entries(files)) if (rel !== null) elves.set(entry, summaryOf(rel, entry));
  const entryNames = Object.keys(files);
  return { name: parseWheelName(filename), recordPaths: record ?? entryNames, entryNames, elves };
}

/** analyzeWheelAbi's options for `show` on this host: libraries from the host, nothing excluded. */
export function hostAnalyzeOptions(over: Partial<AnalyzeOptions> = {}): AnalyzeOptions {
  return { libc: undefined, arch: undefined, exclude: [], disableIsaExtCheck: false, allowGraft: false, env: {}, cwd: REPO, root: '', hostFs: new HostFs(), ...over };
}
