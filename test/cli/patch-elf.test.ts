// `wheelaudit patch-elf` writes like patchelf: through symbolic links to the file they name,
// into that file (same inode, so hard links see the edit), keeping its mode; a new --output
// file gets the input's mode. The input named by --output is never touched.
import { chmodSync, copyFileSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseElf } from '../../src/elf/index.js';
import { runCli } from '../helpers/cli.js';
import { FIXTURES } from '../helpers/corpus.js';

const LIB = path.join(FIXTURES, 'elf', 'out', 'x86_64', 'verdemo', 'libverdemo.so.1');
const soname = (file: string): string | undefined => parseElf(new Uint8Array(readFileSync(file))).dynamic?.soname;

function workDir(): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-patch-elf-'));
  mkdirSync(path.join(dir, 'real'));
  copyFileSync(LIB, path.join(dir, 'real', 'libverdemo.so.1'));
  chmodSync(path.join(dir, 'real', 'libverdemo.so.1'), 0o751);
  return dir;
}

describe('patch-elf and links', () => {
  it('edits the file a symbolic link names, keeping the link, the inode and the mode', async () => {
    const dir = workDir();
    const real = path.join(dir, 'real', 'libverdemo.so.1');
    symlinkSync('real/libverdemo.so.1', path.join(dir, 'link.so'));
    const before = statSync(real);
    const r = await runCli(['patch-elf', 'link.so', '--set-soname', 'libverdemo-1a2b3c4d.so.1'], { cwd: dir });
    expect(r).toEqual({ code: 0, stdout: '', stderr: '' });
    expect(lstatSync(path.join(dir, 'link.so')).isSymbolicLink()).toBe(true);
    expect(readlinkSync(path.join(dir, 'link.so'))).toBe('real/libverdemo.so.1');
    const after = statSync(real);
    expect(after.ino).toBe(before.ino);
    expect(after.mode & 0o7777).toBe(0o751);
    expect(soname(real)).toBe('libverdemo-1a2b3c4d.so.1');
  });

  it('edits a hard-linked file for every name it has', async () => {
    const dir = workDir();
    const a = path.join(dir, 'real', 'libverdemo.so.1');
    const b = path.join(dir, 'other-name.so');
    linkSync(a, b);
    const r = await runCli(['patch-elf', 'other-name.so', '--set-rpath', `$ORIGIN/${'z'.repeat(90)}`], { cwd: dir });
    expect(r.code).toBe(0);
    expect(statSync(a).ino).toBe(statSync(b).ino);
    expect(statSync(a).nlink).toBe(2);
    expect(parseElf(new Uint8Array(readFileSync(a))).dynamic?.runpath).toBe(`$ORIGIN/${'z'.repeat(90)}`);
    expect(readFileSync(a).equals(readFileSync(b))).toBe(true);
  });

  it('--output to a symbolic link writes the file it names, with the input mode; the input is untouched', async () => {
    const dir = workDir();
    const input = path.join(dir, 'real', 'libverdemo.so.1');
    const pristine = readFileSync(input);
    writeFileSync(path.join(dir, 'target.so'), 'old contents');
    chmodSync(path.join(dir, 'target.so'), 0o600);
    const ino = statSync(path.join(dir, 'target.so')).ino;
    symlinkSync('target.so', path.join(dir, 'out.so'));
    const r = await runCli(['patch-elf', 'real/libverdemo.so.1', '--set-soname', 'libv-2.so', '--output', 'out.so'], { cwd: dir });
    expect(r.code).toBe(0);
    expect(lstatSync(path.join(dir, 'out.so')).isSymbolicLink()).toBe(true);
    expect(statSync(path.join(dir, 'target.so')).ino).toBe(ino);
    expect(statSync(path.join(dir, 'target.so')).mode & 0o7777).toBe(0o751);
    expect(soname(path.join(dir, 'target.so'))).toBe('libv-2.so');
    expect(readFileSync(input).equals(pristine)).toBe(true);
  });

  it('--output to a dangling link or a new name creates the file, with the input mode', async () => {
    const dir = workDir();
    symlinkSync('made-by-patch-elf.so', path.join(dir, 'dangling.so'));
    expect((await runCli(['patch-elf', 'real/libverdemo.so.1', '--set-soname', 'a.so', '--output', 'dangling.so'], { cwd: dir })).code).toBe(0);
    expect(lstatSync(path.join(dir, 'dangling.so')).isSymbolicLink()).toBe(true);
    expect(soname(path.join(dir, 'made-by-patch-elf.so'))).toBe('a.so');
    expect((await runCli(['patch-elf', 'real/libverdemo.so.1', '--set-soname', 'b.so', '--output', 'new.so'], { cwd: dir })).code).toBe(0);
    expect(statSync(path.join(dir, 'new.so')).mode & 0o7777).toBe(0o751);
    expect(soname(path.join(dir, 'new.so'))).toBe('b.so');
  });

  it('says what is wrong with an input that is not a regular file', async () => {
    const dir = workDir();
    const r = await runCli(['patch-elf', 'real', '--set-soname', 'x.so'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/error\[USAGE\]: cannot access real: it is a directory, expected an ELF file/);
    const gone = await runCli(['patch-elf', 'missing.so', '--print-soname'], { cwd: dir });
    expect(gone.stderr).toMatch(/cannot access missing\.so: no such file or directory \(ENOENT\)/);
  });
});
