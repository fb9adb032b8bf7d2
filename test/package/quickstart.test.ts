// The README's first command, exactly as printed, in a fresh checkout on a PATH that holds
// only Node, npm and a shell (no compiler, no Python, no git): it must install, build and
// print the report the README shows under it (the `...` line there stands for the lines it
// leaves out), with nothing from wheelaudit on stderr.
import { mkdirSync, readFileSync, realpathSync, symlinkSync, existsSync } from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { REPO } from '../helpers/corpus.js';
import { needs, requireLibs } from '../helpers/requires.js';
import { cleanCheckout, cleanEnv, describeRun, run, type PackageWorkspace } from './workspace.js';

const OUTPUT_MARKER = '<!-- quickstart-output: test/package/quickstart.test.ts compares this with the real output -->';

/** The README's first two ```sh blocks (the two commands it opens with) and the text block it says the first prints. */
function readmeQuickstart(readme: string): { commands: string[]; expected: string } {
  const commands = [...readme.matchAll(/```sh\n([\s\S]*?)```/g)].slice(0, 2).map((m) => (m[1] as string).trim());
  const at = readme.indexOf(OUTPUT_MARKER);
  if (at < 0) throw new Error(`README.md has no ${OUTPUT_MARKER}`);
  const m = /```text\n([\s\S]*?)```/.exec(readme.slice(at));
  if (m === null) throw new Error('no ```text block after the quickstart-output marker');
  return { commands, expected: m[1] as string };
}

/**
 * Whether `actual` is what `expected` shows: the same lines, where a line `...` in
 * `expected` stands for one or more lines of `actual`. Leading and trailing blank lines are
 * not compared. Returns undefined when it matches, else the first difference.
 */
function matchElided(expected: string, actual: string): string | undefined {
  const lines = (s: string): string[] => s.replace(/^\n+/, '').trimEnd().split('\n');
  const parts = lines(expected).join('\n').split(/\n\.\.\.\n/).map((p) => p.split('\n'));
  const got = lines(actual);
  let i = 0;
  for (const [k, part] of parts.entries()) {
    if (k > 0) {
      // Skip at least one line, to where this part starts.
      const start = got.findIndex((l, j) => j > i && l === part[0]);
      if (start < 0) return `no line "${part[0] ?? ''}" after line ${i}`;
      i = start;
    }
    for (const want of part) {
      if (got[i] !== want) return `line ${i + 1}: expected "${want}", got "${got[i] ?? '<end>'}"`;
      i++;
    }
  }
  return i === got.length ? undefined : `${got.length - i} more lines after the last expected one`;
}

/** A directory holding only `node`, `npm`, `npx` and `sh`, as links to this machine's. */
function onlyNodeBin(dir: string): string {
  mkdirSync(dir, { recursive: true });
  const find = (tool: string): string => {
    for (const d of (process.env['PATH'] ?? '').split(':')) {
      const p = path.join(d, tool);
      if (d !== '' && existsSync(p)) return realpathSync(p);
    }
    throw new Error(`${tool} is not on PATH`);
  };
  symlinkSync(process.execPath, path.join(dir, 'node'));
  for (const tool of ['npm', 'npx', 'sh']) symlinkSync(find(tool), path.join(dir, tool));
  return dir;
}

let ws: PackageWorkspace;
beforeAll(() => {
  ws = inject('packageWorkspace');
});

describe("the README's first two commands", () => {
  it('are `npm ci && node bin/wheelaudit.js show <fixture>` and `npm test`', () => {
    const { commands } = readmeQuickstart(readFileSync(path.join(REPO, 'README.md'), 'utf8'));
    expect(commands[0]).toMatch(/^npm ci && node bin\/wheelaudit\.js show fixtures\/wheels\/\S+\.whl$/);
    expect(commands[1]).toBe('npm test');
  });

  it(
    'the first, in a fresh clone with only Node, npm and sh on PATH, prints what the README shows',
    needs(requireLibs('libffi.so.8', 'libxml2.so.2', 'libicuuc.so.72', 'liblzma.so.5')),
    () => {
      const readme = readFileSync(path.join(REPO, 'README.md'), 'utf8');
      const { commands, expected } = readmeQuickstart(readme);
      const clone = path.join(ws.dir, 'quickstart');
      cleanCheckout(clone);
      const bin = onlyNodeBin(path.join(ws.dir, 'quickstart-bin'));
      const r = run(path.join(bin, 'sh'), ['-c', commands[0] as string], { cwd: clone, env: cleanEnv({ PATH: bin }) });
      expect(r.code, describeRun(commands[0] as string, r)).toBe(0);
      // npm's own lines (progress, "added N packages") share the streams: the report is
      // wheelaudit's stdout, from its first paragraph on.
      const report = r.stdout.slice(r.stdout.indexOf('demo-0.1.0-'));
      expect(matchElided(expected, report), report).toBeUndefined();
      expect(r.stderr.split('\n').filter((l) => l.startsWith('wheelaudit:'))).toEqual([]);
    },
  );
});

describe('matchElided', () => {
  it('matches equal text and `...` for one or more lines, and reports the first difference', () => {
    expect(matchElided('a\nb\n', '\na\nb\n')).toBeUndefined();
    expect(matchElided('a\n...\nd', 'a\nb\nc\nd')).toBeUndefined();
    expect(matchElided('a\n...\nd', 'a\nd')).toBe('no line "d" after line 1');
    expect(matchElided('a\nb', 'a\nc')).toBe('line 2: expected "b", got "c"');
    expect(matchElided('a', 'a\nb')).toBe('1 more lines after the last expected one');
  });
});
