// The floor in `engines.node` is true: the packed CLI, and the single file, give the same
// results under the lowest supported Node and under the newest LTS as under this machine's
// Node, for `show --json` on every fixture wheel and for one `repair`: the same wheel entry
// for entry, and byte for byte where the two Nodes carry the same zlib (Node 20.0.0 has zlib
// 1.2.13, whose deflate output differs from the Chromium zlib of later releases).
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { REPO } from '../helpers/corpus.js';
import { NEWEST_LTS, nodeBinary } from './node-binary.js';
import { describeRun, mapParallel, run, runAsync, type PackageWorkspace, type RunResult } from './workspace.js';

const FIXTURES = path.join(REPO, 'fixtures', 'wheels');
const WHEELS = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.whl'))
  .sort();
const REPAIR_WHEEL = 'withffi-0.1.0-cp311-cp311-linux_x86_64.whl';

/** The lowest version `engines.node` admits (`>=20.0.0` -> `20.0.0`). */
function engineFloor(): string {
  const pkg = JSON.parse(readFileSync(path.join(REPO, 'package.json'), 'utf8')) as { engines: { node: string } };
  const m = /^>=\s*(\d+\.\d+\.\d+)$/.exec(pkg.engines.node);
  if (m === null) throw new Error(`engines.node '${pkg.engines.node}' is not of the form >=X.Y.Z`);
  return m[1] as string;
}

let ws: PackageWorkspace;
beforeAll(() => {
  ws = inject('packageWorkspace');
});

interface Program {
  readonly label: string;
  readonly script: () => string;
  /** The fixture wheels it is run on. */
  readonly wheels: readonly string[];
}
const PROGRAMS: readonly Program[] = [
  { label: 'packed CLI', script: () => path.join(ws.installed, 'bin', 'wheelaudit.js'), wheels: WHEELS },
  // bundle.test.ts proves the single file equal to the packed CLI on every fixture; here it
  // only has to show that it runs under these Node versions: one wheel per libc and a cross one.
  {
    label: 'single file',
    script: () => path.join(ws.installed, 'dist', 'wheelaudit.mjs'),
    wheels: ['demo-0.1.0-cp311-cp311-linux_x86_64.whl', 'muslext-0.1.0-cp311-cp311-linux_x86_64.whl', 'minext-0.1.0-cp311-cp311-linux_aarch64.whl', 'droidext-0.1.0-cp313-cp313-android_24_arm64_v8a.whl'],
  },
];

async function showAll(node: string, program: Program): Promise<Map<string, RunResult>> {
  const script = program.script();
  const results = await mapParallel(program.wheels, (w) => runAsync(node, [script, 'show', '--json', path.join(FIXTURES, w)], { cwd: ws.dir }));
  return new Map(program.wheels.map((w, i) => [w, results[i] as RunResult]));
}

/**
 * Everything in a zip but the compressed bytes, one line per entry: name, timestamp, mode,
 * method, CRC-32, size, SHA-256 of the content (Python's zipfile, from .ci/run's packages).
 */
const ZIP_FACTS = String.raw`
import hashlib, sys, zipfile
with zipfile.ZipFile(sys.argv[1]) as z:
    for i in z.infolist():
        print(i.filename, i.date_time, oct(i.external_attr >> 16), i.compress_type, "%08x" % i.CRC, i.file_size, hashlib.sha256(z.read(i)).hexdigest())
`;

function repairOnce(node: string, script: string, outDir: string): { run: RunResult; bytes: Buffer | undefined; facts: string } {
  const r = run(node, [script, 'repair', '-w', outDir, path.join(FIXTURES, REPAIR_WHEEL)], { cwd: ws.dir });
  const written = r.code === 0 ? readdirSync(outDir).filter((f) => f.endsWith('.whl')) : [];
  if (written.length !== 1) return { run: r, bytes: undefined, facts: '' };
  const file = path.join(outDir, written[0] as string);
  const facts = run('python3', ['-c', ZIP_FACTS, file], { cwd: ws.dir });
  return { run: r, bytes: readFileSync(file), facts: `${written[0] as string}\n${facts.stdout}${facts.stderr}` };
}

/** The zlib a Node binary carries (the deflate bytes of the same input differ between versions). */
function zlibOf(node: string): string {
  return run(node, ['-p', 'process.versions.zlib'], { cwd: ws.dir }).stdout.trim();
}

/** This machine's Node's answers, computed once per program. */
const baselines = new Map<Program, Map<string, RunResult>>();
async function baselineOf(program: Program): Promise<Map<string, RunResult>> {
  let b = baselines.get(program);
  if (b === undefined) {
    b = await showAll(process.execPath, program);
    baselines.set(program, b);
  }
  return b;
}

const strip = (r: RunResult): Omit<RunResult, 'ms'> => ({ code: r.code, stdout: r.stdout, stderr: r.stderr });

describe.each([
  ['the lowest supported Node (engines floor)', engineFloor()],
  ['the newest Node LTS', NEWEST_LTS],
])('under %s, %s', (_label, version) => {
  it("runs show on every fixture and one repair exactly as this machine's Node does", async (ctx) => {
    const node = await nodeBinary(version);
    if (!node.ok) {
      ctx.skip(node.reason);
      return;
    }
    expect(ws.prefixInstall.code, describeRun('npm install --global --prefix', ws.prefixInstall)).toBe(0);
    for (const program of PROGRAMS) {
      const script = program.script();
      const baseline = await baselineOf(program);
      const other = await showAll(node.path, program);
      for (const w of program.wheels) {
        const b = baseline.get(w) as RunResult;
        // The baseline itself must be a real answer: a report (0) or "not a platform wheel" (1).
        expect([0, 1], describeRun(`${program.label} show ${w} under ${process.version}`, b)).toContain(b.code);
        expect(strip(other.get(w) as RunResult), `${program.label} show --json ${w} under Node ${version}`).toEqual(strip(b));
      }
      const base = repairOnce(process.execPath, script, path.join(ws.dir, `repair-host-${program.label.replace(' ', '-')}-${version}`));
      const mine = repairOnce(node.path, script, path.join(ws.dir, `repair-${version}-${program.label.replace(' ', '-')}`));
      expect(base.run.code, describeRun(`${program.label} repair under ${process.version}`, base.run)).toBe(0);
      expect(mine.run.code, describeRun(`${program.label} repair under Node ${version}`, mine.run)).toBe(0);
      // The same entries, names, order, timestamps, modes and contents: the same wheel.
      expect(mine.facts, `${program.label}: repaired wheel under Node ${version}`).toBe(base.facts);
      expect(base.facts.split('\n').length).toBeGreaterThan(8);
      // Byte for byte too when both Nodes deflate with the same zlib.
      if (zlibOf(node.path) === zlibOf(process.execPath)) {
        expect(mine.bytes?.equals(base.bytes ?? Buffer.alloc(0)), `${program.label}: repaired wheel bytes under Node ${version}`).toBe(true);
      }
    }
  });
});
