// Issue 7, "writing outside -w" and "SIGINT/SIGTERM leave temporary files in -w": the pure-wheel
// copy used a predictable temporary name and a call that follows a symlink planted there; every
// temporary file is now created exclusively under an unpredictable name. A repair interrupted by
// SIGINT or SIGTERM while it writes removes its temporary file and dies of the signal.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO } from '../helpers/corpus.js';
import { runCli } from '../helpers/cli.js';
import { buildZip, extensionBytes, recordHash, text, WHEEL_TEXT } from '../wheel/zip-builder.js';

let tmp = '';
beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-tempsec-'));
});
afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

/** A pure wheel: one module and its dist-info. */
function pureWheel(): Buffer {
  const di = 'purepkg-1.0.dist-info';
  const files: [string, string][] = [
    ['purepkg/__init__.py', 'x = 1\n'],
    [`${di}/METADATA`, 'Metadata-Version: 2.1\nName: purepkg\nVersion: 1.0\n'],
    [`${di}/WHEEL`, WHEEL_TEXT.replace('cp311-cp311-linux_x86_64', 'py3-none-any').replace('false', 'true')],
  ];
  const record = `${files.map(([n, d]) => `${n},${recordHash(text(d))},${d.length}\r\n`).join('')}${di}/RECORD,,\r\n`;
  return buildZip([...files.map(([name, data]) => ({ name, data })), { name: `${di}/RECORD`, data: record }]);
}

describe('temporary files in -w', () => {
  it('the pure-wheel copy does not follow a symlink planted at the old predictable temporary name', async () => {
    const dir = fs.mkdtempSync(path.join(tmp, 'pure-'));
    const name = 'purepkg-1.0-py3-none-any.whl';
    const input = path.join(dir, name);
    fs.writeFileSync(input, pureWheel());
    const out = path.join(dir, 'out');
    fs.mkdirSync(out);
    const victim = path.join(dir, 'victim.txt');
    fs.writeFileSync(victim, 'must stay');
    // The old name: `.<wheel>.<pid>.tmp`, with the pid of the process doing the repair (this one).
    fs.symlinkSync(victim, path.join(out, `.${name}.${process.pid}.tmp`));
    const r = await runCli(['repair', '--allow-pure-python-wheel', input, '-w', out]);
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readFileSync(victim, 'utf8')).toBe('must stay');
    expect(fs.lstatSync(path.join(out, name)).isFile()).toBe(true);
    expect(Buffer.compare(fs.readFileSync(path.join(out, name)), fs.readFileSync(input))).toBe(0);
    expect(fs.readdirSync(out).filter((f) => f.endsWith('.tmp') && !f.includes(`.${process.pid}.`))).toEqual([]);
  });

  it.each(['SIGINT', 'SIGTERM'] as const)('%s during a repair removes the temporary file in -w and ends the process by that signal', async (signal) => {
    const dir = fs.mkdtempSync(path.join(tmp, `${signal}-`));
    const input = path.join(dir, 'hostile-1.0-cp311-cp311-linux_x86_64.whl');
    // Stored incompressible data: repair deflates it again, which takes seconds, in -w.
    const noise = new Uint8Array(96 * 1024 * 1024);
    let x = 0x12345678;
    for (let i = 0; i < noise.length; i += 4) {
      x ^= x << 13;
      x ^= x >>> 17;
      x ^= x << 5;
      noise[i] = x & 0xff;
      noise[i + 1] = (x >>> 8) & 0xff;
      noise[i + 2] = (x >>> 16) & 0xff;
      noise[i + 3] = (x >>> 24) & 0xff;
    }
    const so = extensionBytes(REPO);
    const di = 'hostile-1.0.dist-info';
    const meta = 'Metadata-Version: 2.1\nName: hostile\nVersion: 1.0\n';
    const record = [
      `hostile/_ext.cpython-311-x86_64-linux-gnu.so,${recordHash(so)},${so.length}`,
      `hostile/blob.bin,${recordHash(noise)},${noise.length}`,
      `${di}/METADATA,${recordHash(text(meta))},${meta.length}`,
      `${di}/WHEEL,${recordHash(text(WHEEL_TEXT))},${WHEEL_TEXT.length}`,
      `${di}/RECORD,,`,
    ].join('\r\n');
    fs.writeFileSync(
      input,
      buildZip([
        { name: 'hostile/_ext.cpython-311-x86_64-linux-gnu.so', data: so },
        { name: 'hostile/blob.bin', data: noise, method: 0 },
        { name: `${di}/METADATA`, data: meta },
        { name: `${di}/WHEEL`, data: WHEEL_TEXT },
        { name: `${di}/RECORD`, data: `${record}\r\n` },
      ]),
    );
    const out = path.join(dir, 'out');
    fs.mkdirSync(out);
    const child = spawn(process.execPath, [path.join(REPO, 'bin', 'wheelaudit.js'), 'repair', input, '-w', out], { stdio: 'ignore' });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) => child.on('exit', (code, sig) => resolve({ code, signal: sig })));
    // Wait until the output is being written (its temporary file exists), then interrupt.
    const deadline = Date.now() + 60_000;
    let sawTemp = false;
    while (Date.now() < deadline && child.exitCode === null) {
      if (fs.readdirSync(out).some((f) => f.endsWith('.tmp'))) {
        sawTemp = true;
        child.kill(signal);
        break;
      }
      await new Promise((r) => setTimeout(r, 5));
    }
    const end = await exited;
    expect(sawTemp, 'the repair was interrupted while writing').toBe(true);
    expect(end.signal).toBe(signal);
    expect(fs.readdirSync(out)).toEqual([]);
  }, 120_000);
});
