// Edit one fixture file with the backend under test, write the result next to its peers, and
// inspect both sides: the building block of the failure-class tests.
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { errorCode, errorText, type ApplyOptions, type Backend, type ElfEditOp, type Strategy } from './backend.js';
import { inspect, inspectMany, type Inspection } from './inspect.js';
import { inspectInput, inspectInputs } from './scenario.js';

export type Edited =
  | {
      readonly ok: true;
      readonly inPath: string;
      readonly outPath: string;
      readonly input: Uint8Array;
      readonly output: Uint8Array;
      readonly strategy: Strategy;
      readonly before: Inspection;
      readonly after: Inspection;
    }
  | { readonly ok: false; readonly inPath: string; readonly code: string; readonly message: string; readonly crashed: boolean };

export type RawEdited =
  | { readonly ok: true; readonly inPath: string; readonly outPath: string; readonly input: Uint8Array; readonly output: Uint8Array; readonly strategy: Strategy }
  | { readonly ok: false; readonly inPath: string; readonly code: string; readonly message: string; readonly crashed: boolean };

/** Apply `ops` to `inPath` and write the result to `outPath`, without inspecting it. */
export async function editFileRaw(backend: Backend, inPath: string, outPath: string, ops: readonly ElfEditOp[], opts: ApplyOptions = {}): Promise<RawEdited> {
  const input = new Uint8Array(readFileSync(inPath));
  let res;
  try {
    res = await backend.apply(input, ops, opts);
  } catch (e) {
    const crashed = typeof e === 'object' && e !== null && 'crashed' in e && e.crashed === true;
    return { ok: false, inPath, code: errorCode(e), message: errorText(e), crashed };
  }
  mkdirSync(path.dirname(outPath), { recursive: true });
  writeFileSync(outPath, res.bytes);
  chmodSync(outPath, 0o755);
  return { ok: true, inPath, outPath, input, output: res.bytes, strategy: res.strategy };
}

/** readelf both sides of successful edits, batched (one run for all outputs). */
export async function inspectEdits(edits: readonly (RawEdited & { ok: true })[]): Promise<(Edited & { ok: true })[]> {
  const [before, after] = await Promise.all([inspectInputs(edits.map((e) => e.inPath)), inspectMany(edits.map((e) => e.outPath))]);
  return edits.map((e, k) => {
    const b = before[k];
    const a = after.get(e.outPath);
    if (!b || !a) throw new Error(`no readelf output for ${e.outPath}`);
    return { ...e, before: b, after: a };
  });
}

/** Apply `ops` to `inPath` (a fixture, or an earlier output) and write the result to `outPath`. */
export async function editFile(backend: Backend, inPath: string, outPath: string, ops: readonly ElfEditOp[], opts: ApplyOptions = {}): Promise<Edited> {
  const input = new Uint8Array(readFileSync(inPath));
  let res;
  try {
    res = await backend.apply(input, ops, opts);
  } catch (e) {
    const crashed = typeof e === 'object' && e !== null && 'crashed' in e && e.crashed === true;
    return { ok: false, inPath, code: errorCode(e), message: errorText(e), crashed };
  }
  mkdirSync(path.dirname(outPath), { recursive: true });
  writeFileSync(outPath, res.bytes);
  chmodSync(outPath, 0o755);
  const [before, after] = await Promise.all([inspectInput(inPath), inspect(outPath)]);
  return { ok: true, inPath, outPath, input, output: res.bytes, strategy: res.strategy, before, after };
}

/** A finding list collector with a label per item. */
export class Findings {
  readonly items: string[] = [];
  add(label: string, found: readonly string[]): void {
    for (const f of found) this.items.push(`${label}: ${f}`);
  }
  get text(): string {
    return this.items.length === 0 ? '' : `${this.items.length} finding(s):\n  - ${this.items.join('\n  - ')}`;
  }
}
