// The single file (dist/wheelaudit.mjs, `npm run bundle`), taken from the packed tarball and
// copied ALONE into an empty directory: it prints byte-identical output to the packaged CLI
// for `show --json` on every fixture wheel, writes a byte-identical repaired wheel, needs no
// node_modules and reads nothing relative to itself (asked of the kernel: strace lists every
// path it opens or looks at, its worker threads included), and rebuilding it gives the same bytes.
import { copyFileSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import path from 'node:path';
import { beforeAll, describe, expect, inject, it } from 'vitest';
import { REPO } from '../helpers/corpus.js';
import { needs, requireTool } from '../helpers/requires.js';
import { buildZip, WHEEL_NAME, wheelEntries } from '../wheel/zip-builder.js';
import { cleanEnv, describeRun, mapParallel, run, runAsync, type PackageWorkspace, type RunResult } from './workspace.js';

const FIXTURES = path.join(REPO, 'fixtures', 'wheels');
const WHEELS = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.whl'))
  .sort();

let ws: PackageWorkspace;
let alone: string;
let single: string;
let packaged: string;
beforeAll(() => {
  ws = inject('packageWorkspace');
  alone = path.join(ws.dir, 'single-file-alone');
  mkdirSync(alone);
  single = path.join(alone, 'wheelaudit.mjs');
  copyFileSync(path.join(ws.installed, 'dist', 'wheelaudit.mjs'), single);
  packaged = path.join(ws.prefix, 'bin', 'wheelaudit');
});

/** Run in the empty directory with a minimal environment (no NODE_PATH, nothing to find). */
function inAlone(cmd: string, args: readonly string[]): RunResult {
  return run(cmd, args, { cwd: alone, env: cleanEnv({ NODE_PATH: '' }) });
}

describe('the single file', () => {
  it('is one ES module that imports only Node built-ins', () => {
    expect(readdirSync(alone)).toEqual(['wheelaudit.mjs']);
    const code = readFileSync(single, 'utf8');
    expect(code.startsWith('#!/usr/bin/env node\n')).toBe(true);
    const builtins = new Set(builtinModules.flatMap((m) => [m, `node:${m}`]));
    const specifiers = [...code.matchAll(/^import\s[^'"]*?from\s+["']([^"']+)["']|^import\s+["']([^"']+)["']/gm)].map((m) => m[1] ?? m[2]);
    const required = [...code.matchAll(/__require\(["']([^"']+)["']\)/g)].map((m) => m[1]);
    expect(specifiers.length).toBeGreaterThan(0);
    for (const s of [...specifiers, ...required]) expect(builtins.has(s as string), `imports ${s}`).toBe(true);
    // import.meta.url serves only createRequire (for the built-ins above) and names the bundle
    // itself (which its entry worker threads run), never another file's path.
    const metaUses = code.split('\n').filter((l) => l.includes('import.meta'));
    expect(metaUses.every((l) => l.includes('createRequire(import.meta.url)') || l.includes('new URL(import.meta.url)')), metaUses.join('\n')).toBe(true);
  });

  it('looks at no path beside itself while it audits and repairs (strace)', needs(requireTool('strace', 'strace')), () => {
    const log = path.join(ws.dir, 'single-file-strace.log');
    const out = path.join(ws.dir, 'single-file-strace-out');
    const wheel = path.join(FIXTURES, 'withffi-0.1.0-cp311-cp311-linux_x86_64.whl');
    // Entries of 1 MiB and more are read on worker threads, which run the single file itself.
    const large = path.join(ws.dir, 'large', WHEEL_NAME);
    mkdirSync(path.dirname(large), { recursive: true });
    const libc = new Uint8Array(readFileSync('/lib/x86_64-linux-gnu/libc.so.6'));
    writeFileSync(large, buildZip(wheelEntries({ files: [{ name: 'hostile/_libs/liba.so.6', data: libc }, { name: 'hostile/_libs/libb.so.6', data: libc }] })));
    for (const args of [['show', '--json', wheel], ['repair', '-w', out, wheel], ['show', '--json', '--jobs', '2', large]]) {
      const r = inAlone('strace', ['-f', '-qq', '-e', 'trace=%file', '-o', log, process.execPath, single, ...args]);
      expect(r.code, describeRun(`strace wheelaudit.mjs ${args.join(' ')}`, r)).toBe(0);
      // Platform-specific: the ELF summaries came back from the workers.
      if (args.includes(large)) expect(r.stdout).toContain('"pure": false');
      // The path argument of every file syscall (relative ones are relative to the cwd, the
      // single file's directory), whether or not the file was there.
      const paths = readFileSync(log, 'utf8')
        .split('\n')
        .filter((l) => !/^\d+\s+execve\(/.test(l))
        .map((l) => /^\d+\s+\w+\((?:AT_FDCWD, |\d+, )?"([^"]+)"/.exec(l)?.[1])
        .filter((p): p is string => p !== undefined)
        .map((p) => path.resolve(alone, p));
      expect(paths, args.join(' ')).toContain(single);
      expect(paths.filter((p) => p.startsWith(`${alone}/`) && p !== single), args.join(' ')).toEqual([]);
    }
  });

  it('carries the version and the policies', () => {
    const pkg = JSON.parse(readFileSync(path.join(ws.clone, 'package.json'), 'utf8')) as { version: string };
    const v = inAlone(process.execPath, [single, '--version']);
    expect(v.stdout.trim()).toBe(`wheelaudit ${pkg.version}`);
    const help = inAlone(process.execPath, [single, '--help']);
    expect(help.code, describeRun('wheelaudit.mjs --help', help)).toBe(0);
    // The tag list in --help comes from the policy files.
    for (const tag of ['manylinux_2_17_x86_64', 'musllinux_1_2_aarch64']) expect(help.stdout).toContain(tag);
  });

  it('prints byte-identical `show --json` output to the packaged CLI for every fixture wheel', async () => {
    const env = cleanEnv({ NODE_PATH: '' });
    const runs = await mapParallel(WHEELS, async (w) => {
      const wheel = path.join(FIXTURES, w);
      return [
        await runAsync(process.execPath, [single, 'show', '--json', wheel], { cwd: alone, env }),
        await runAsync(packaged, ['show', '--json', wheel], { cwd: alone, env }),
      ] as const;
    });
    for (const [i, w] of WHEELS.entries()) {
      const [a, b] = runs[i] as readonly [RunResult, RunResult];
      expect([0, 1], describeRun(`packaged show --json ${w}`, b)).toContain(b.code);
      expect({ code: a.code, stdout: a.stdout, stderr: a.stderr }, w).toEqual({ code: b.code, stdout: b.stdout, stderr: b.stderr });
    }
  });

  it('prints the same text report as the packaged CLI', () => {
    const wheel = path.join(FIXTURES, 'demo-0.1.0-cp311-cp311-linux_x86_64.whl');
    const a = inAlone(process.execPath, [single, '-v', 'show', wheel]);
    const b = inAlone(packaged, ['-v', 'show', wheel]);
    expect(b.code).toBe(0);
    expect(a.stdout).toBe(b.stdout);
  });

  it('writes a byte-identical repaired wheel', () => {
    const wheel = path.join(FIXTURES, 'withffi-0.1.0-cp311-cp311-linux_x86_64.whl');
    const outA = path.join(ws.dir, 'single-file-repair');
    const outB = path.join(ws.dir, 'packaged-repair');
    const a = inAlone(process.execPath, [single, 'repair', '-w', outA, wheel]);
    const b = inAlone(packaged, ['repair', '-w', outB, wheel]);
    expect(a.code, describeRun('wheelaudit.mjs repair', a)).toBe(0);
    expect(b.code, describeRun('packaged repair', b)).toBe(0);
    const names = readdirSync(outA);
    expect(names).toEqual(readdirSync(outB));
    expect(names).toHaveLength(1);
    const name = names[0] as string;
    expect(name).toMatch(/manylinux/);
    expect(readFileSync(path.join(outA, name)).equals(readFileSync(path.join(outB, name)))).toBe(true);
    // The log is the same but for the output directory and the time taken.
    const log = (text: string, out: string): string => text.replaceAll(out, 'OUT').replace(/ in \d+(\.\d+)? s\b/g, ' in N s');
    expect(log(a.stderr, outA)).toBe(log(b.stderr, outB));
  });

  it('refuses, checks and lists like the packaged CLI (data files such as the build-image table are inside)', () => {
    const outA = path.join(ws.dir, 'single-file-refusal');
    const outB = path.join(ws.dir, 'packaged-refusal');
    const glibcnew = path.join(FIXTURES, 'glibcnew-0.1.0-cp311-cp311-linux_x86_64.whl');
    const cases: readonly (readonly string[])[] = [
      ['repair', '--plat', 'manylinux2014_x86_64', '-w', 'OUT', glibcnew],
      ['check', glibcnew, path.join(FIXTURES, 'demo-0.1.0-cp311-cp311-linux_x86_64.whl')],
      ['lddtree', path.join(REPO, 'fixtures', 'elf', 'out', 'x86_64', 'verdemo', 'verdemo-main')],
      ['--help'],
    ];
    for (const args of cases) {
      const a = inAlone(process.execPath, [single, ...args.map((x) => (x === 'OUT' ? outA : x))]);
      const b = inAlone(packaged, args.map((x) => (x === 'OUT' ? outB : x)));
      const norm = (t: string, out: string): string => t.replaceAll(out, 'OUT');
      expect({ code: a.code, stdout: a.stdout, stderr: norm(a.stderr, outA) }, args.join(' ')).toEqual({ code: b.code, stdout: b.stdout, stderr: norm(b.stderr, outB) });
      expect(b.stdout + b.stderr, args.join(' ')).not.toBe('');
    }
  });

  it('is rebuilt byte for byte by `npm run bundle`', () => {
    const r = run('node', [path.join(ws.clone, 'scripts', 'bundle.mjs')], { cwd: ws.clone });
    expect(r.code, describeRun('scripts/bundle.mjs', r)).toBe(0);
    expect(readFileSync(path.join(ws.clone, 'dist', 'wheelaudit.mjs')).equals(readFileSync(single))).toBe(true);
  });
});
