// patch-elf's own parts: patchelf-style arguments (repeatable, two-valued, --set-rpath giving
// DT_RUNPATH unless --force-rpath), the --print-* output against readelf on the result, and
// the write refusals (a directory, a link loop, an unwritable place), each naming the path.
// How writes go through links and keep inodes is in test/cli/patch-elf.test.ts.
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parsePatchElfArgs, runPatchElf, writeAtomically, writeThrough } from '../../../src/cli/commands/patch-elf.js';
import { captureContext } from '../../helpers/cli-context.js';
import { ELF_OUT } from '../../helpers/elf-contents.js';
import { readelfDynamic } from '../../helpers/readelf.js';
import { needs, requireTool } from '../../helpers/requires.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-patch-elf-cmd-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('parsePatchElfArgs', () => {
  it('reads prints and edits in order, --set-rpath as DT_RUNPATH unless --force-rpath', () => {
    expect(parsePatchElfArgs(['--print-needed', 'x.so', '--replace-needed', 'a', 'b', '--remove-needed', 'c', '--set-soname', 's', '--print-rpath', '--set-rpath', '$ORIGIN'])).toEqual({
      file: 'x.so',
      output: undefined,
      prints: ['needed', 'rpath'],
      ops: [
        { kind: 'replace-needed', from: 'a', to: 'b' },
        { kind: 'remove-needed', name: 'c' },
        { kind: 'set-soname', soname: 's' },
        { kind: 'set-rpath', value: '$ORIGIN', tag: 'DT_RUNPATH' },
      ],
      patcher: 'native',
    });
    expect(parsePatchElfArgs(['--force-rpath', '--set-rpath', 'r', 'x.so', '--output', 'o.so', '--patcher', 'patchelf'])).toMatchObject({
      ops: [{ kind: 'set-rpath', value: 'r', tag: 'DT_RPATH' }],
      output: 'o.so',
      patcher: 'patchelf',
    });
    expect(parsePatchElfArgs(['--remove-rpath', 'x.so']).ops).toEqual([{ kind: 'remove-rpath' }]);
  });

  it('refuses a missing value, an unknown option or patcher, and zero or two files', () => {
    expect(() => parsePatchElfArgs(['x.so', '--replace-needed', 'a'])).toThrow("option '--replace-needed' needs a value");
    expect(() => parsePatchElfArgs(['x.so', '--frobnicate'])).toThrow("unknown option '--frobnicate'");
    expect(() => parsePatchElfArgs(['x.so', '--patcher', 'lief'])).toThrow("option '--patcher' must be native or patchelf, got 'lief'");
    expect(() => parsePatchElfArgs(['--print-rpath'])).toThrow('missing FILE');
    expect(() => parsePatchElfArgs(['a.so', 'b.so'])).toThrow('expected one FILE, got 2');
  });
});

describe('runPatchElf', () => {
  it('edits a copy and prints what readelf then reads from it', needs(requireTool('readelf', 'binutils')), () => {
    const file = path.join(tmp, 'libverdemo.so.1');
    copyFileSync(path.join(ELF_OUT, 'x86_64/verdemo/libverdemo.so.1'), file);
    const ctx = captureContext({ cwd: tmp });
    expect(runPatchElf(ctx, parsePatchElfArgs(['libverdemo.so.1', '--set-soname', 'libverdemo-0123abcd.so.1', '--set-rpath', '$ORIGIN/../x.libs', '--print-soname', '--print-rpath', '--print-needed']))).toBe(0);
    const d = readelfDynamic(file);
    expect(d.soname).toBe('libverdemo-0123abcd.so.1');
    expect(d.runpath).toBe('$ORIGIN/../x.libs');
    expect(ctx.stdout()).toBe(`${d.soname ?? ''}\n${d.runpath ?? ''}\n${d.needed.map((n) => `${n}\n`).join('')}`);
  });
});

describe('write refusals', () => {
  it('a directory, a symbolic link loop, and a file in a missing directory, each naming the path', () => {
    const dir = path.join(tmp, 'adir');
    mkdirSync(dir);
    expect(() => writeThrough(dir, new Uint8Array(1), 0o644)).toThrow(expect.objectContaining({ code: 'IO', message: `cannot write ${dir}: not a regular file` }) as Error);
    const a = path.join(tmp, 'loop-a');
    symlinkSync(path.join(tmp, 'loop-b'), a);
    symlinkSync(a, path.join(tmp, 'loop-b'));
    expect(() => writeThrough(a, new Uint8Array(1), 0o644)).toThrow(`cannot write ${a}: too many levels of symbolic links`);
    const deep = path.join(tmp, 'no', 'such', 'out.so');
    expect(() => writeAtomically(deep, new Uint8Array(1), 0o644)).toThrow(expect.objectContaining({ code: 'IO', message: expect.stringMatching(new RegExp(`^cannot write ${deep.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: .*\\(ENOENT\\)$`)) as string }) as Error);
  });
});
