// Differential check against auditwheel itself, when WHEELAUDIT_REFERENCE_CMD names a command
// that runs it: for wheels that only need retagging (`--patcher none`, which auditwheel
// supports), both tools must write the same file name, the same entries in the same order
// with the same timestamps, modes, flags and versions, and the same contents.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli, wheel } from '../helpers/cli.js';
import { needs, requireEnv } from '../helpers/requires.js';

const reference = process.env['WHEELAUDIT_REFERENCE_CMD'];
const WHEELS = [
  'symverold-0.1.0-cp311-cp311-linux_x86_64.whl',
  'cxxext-0.1.0-cp311-cp311-linux_x86_64.whl',
  'glibcnew-0.1.0-cp311-cp311-linux_x86_64.whl',
  'minext-0.1.0-cp311-cp311-linux_aarch64.whl',
  'minext-0.1.0-cp311-cp311-linux_s390x.whl',
  'chainrunpath-0.1.0-cp311-cp311-linux_x86_64.whl',
];

const DESCRIBE = `
import sys, zipfile, hashlib, json
z = zipfile.ZipFile(sys.argv[1])
print(json.dumps([[i.filename, list(i.date_time), i.external_attr, i.compress_type, i.flag_bits,
  i.create_version, i.create_system, i.extract_version, hashlib.sha256(z.read(i)).hexdigest()] for i in z.infolist()]))
`;

function describeZip(file: string): unknown {
  const r = spawnSync('python3', ['-c', DESCRIBE, file], { encoding: 'utf8' });
  return JSON.parse(r.stdout) as unknown;
}

describe('repair agrees with auditwheel on retag-only wheels (WHEELAUDIT_REFERENCE_CMD)', needs(requireEnv('WHEELAUDIT_REFERENCE_CMD', 'a command running auditwheel 6.8.1, for the differential comparison')), () => {
  for (const name of WHEELS) {
    it(name, async () => {
      const env = { ...process.env, SOURCE_DATE_EPOCH: '650203201' };
      const theirsDir = mkdtempSync(path.join(os.tmpdir(), 'wa-ref-'));
      const oursDir = mkdtempSync(path.join(os.tmpdir(), 'wa-ours-'));
      const t = spawnSync('sh', ['-c', `${reference} repair --patcher none -w "$0" "$1"`, theirsDir, wheel(name)], { env, encoding: 'utf8' });
      expect(t.status).toBe(0);
      const o = await runCli(['repair', '--patcher', 'none', '-w', oursDir, wheel(name)], { env });
      expect(o.code).toBe(0);
      const theirs = readdirSync(theirsDir);
      expect(readdirSync(oursDir)).toEqual(theirs);
      const file = theirs[0] as string;
      expect(describeZip(path.join(oursDir, file))).toEqual(describeZip(path.join(theirsDir, file)));
    });
  }
});
