// describeFileKind names what a path is when it is not a regular file, from the stats of real
// file kinds made here: a directory, a FIFO, a Unix socket, and /dev/null (a character device).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeFileKind } from '../../src/util/file-kind.js';
import { needs, requireTool } from '../helpers/requires.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-file-kind-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('describeFileKind', () => {
  it('a directory, a FIFO, a character device', needs(requireTool('mkfifo', 'coreutils')), () => {
    const fifo = path.join(tmp, 'fifo');
    execFileSync('mkfifo', [fifo]);
    expect(describeFileKind(statSync(tmp))).toBe('a directory');
    expect(describeFileKind(statSync(fifo))).toBe('a FIFO (named pipe)');
    expect(describeFileKind(statSync('/dev/null'))).toBe('a character device');
  });

  it('a Unix socket', async () => {
    const sock = path.join(tmp, 's.sock');
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(sock, resolve));
    try {
      expect(describeFileKind(statSync(sock))).toBe('a socket');
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    }
  });

  it('anything else (a regular file, which callers never pass) is "not a regular file"', () => {
    const f = path.join(tmp, 'f');
    writeFileSync(f, 'x');
    expect(describeFileKind(statSync(f))).toBe('not a regular file');
  });
});
