// The culprits section of show -v: for each tag more compatible than the verdict, what rules
// it out, with tags ruled out by the same culprits grouped (newest first).
import { describe, expect, it } from 'vitest';
import { renderShowCulprits } from '../../../src/cli/render/show-culprits.js';
import { platformAudit } from '../../helpers/audit-fixture.js';

describe('renderShowCulprits', () => {
  it('is empty when the verdict is the most compatible tag', async () => {
    expect(renderShowCulprits((await platformAudit('symverold-0.1.0-cp311-cp311-linux_x86_64.whl')).report)).toBe('');
  });

  it('glibcnew: one group, from manylinux_2_35 down to the oldest tag, naming arc4random@GLIBC_2.36', async () => {
    const r = (await platformAudit('glibcnew-0.1.0-cp311-cp311-linux_x86_64.whl')).report;
    const out = renderShowCulprits(r);
    const ruled = r.policies.policies.filter((p) => p.name !== r.policies.linux.name && p.priority > r.overall.priority);
    expect(ruled.length).toBeGreaterThan(5);
    const lines = out.split('\n');
    expect(lines.slice(0, 3)).toEqual(['', 'What rules out each more compatible tag:', `  ${ruled[0]?.name ?? ''} to ${ruled.at(-1)?.name ?? ''} (${ruled.length} tags):`]);
    expect(lines[3]).toMatch(/^ {4}- \S+@GLIBC_2\.36 from libc\.so\.6, imported by glibcnew\/_glibcnew\.cpython-311-x86_64-linux-gnu\.so; GLIBC_2\.36 needs manylinux_2_36_x86_64 or newer$/);
  });

  it('zblack: tags ruled out by the blacklist alone and those also ruled out by ZLIB_1.2.0 form separate groups', async () => {
    const out = renderShowCulprits((await platformAudit('zblack-0.1.0-cp311-cp311-linux_x86_64.whl')).report);
    const heads = out.split('\n').filter((l) => /^ {2}\S/.test(l));
    expect(heads.length).toBe(2);
    expect(heads[0]).toMatch(/^ {2}manylinux_2_\d+_x86_64 to manylinux_2_12_x86_64 \(\d+ tags\):$/);
    expect(heads[1]).toBe('  manylinux_2_5_x86_64:');
    expect(out).toContain('    - black-listed symbol zcfree from libz.so.1, used by zblack/_zblack.cpython-311-x86_64-linux-gnu.so\n');
    expect(out.split('\n').filter((l) => l.includes('ZLIB_1.2.0')).length).toBe(1);
  });
});
