import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeFileKind } from '../../src/util/file-kind.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-file-kind-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('describeFileKind', () => {
  it('names each kind of file a path can be, from stat (nothing is opened)', async () => {
    const fifo = path.join(tmp, 'fifo');
    execFileSync('mkfifo', [fifo]);
    const sock = path.join(tmp, 'sock');
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(sock, resolve));
    const file = path.join(tmp, 'file');
    writeFileSync(file, 'x');
    try {
      expect(describeFileKind(statSync(tmp))).toBe('a directory');
      expect(describeFileKind(statSync(fifo))).toBe('a FIFO (named pipe)');
      expect(describeFileKind(statSync('/dev/null'))).toBe('a character device');
      expect(describeFileKind(statSync(sock))).toBe('a socket');
      expect(describeFileKind(statSync(file))).toBe('not a regular file');
    } finally {
      server.close();
    }
  });
});
