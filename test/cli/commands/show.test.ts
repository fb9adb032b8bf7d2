// runShow: the text or JSON report on stdout and logs on stderr, exit 0 for any platform wheel
// and 1 for a pure one (0 when allowed), the error object under --json, and the -v culprits.
import { describe, expect, it } from 'vitest';
import { runShow } from '../../../src/cli/commands/show.js';
import { captureContext } from '../../helpers/cli-context.js';
import { wheel } from '../../helpers/cli.js';

describe('runShow', () => {
  it('a platform wheel, compliant or not: the report on stdout, exit 0', async () => {
    const ok = captureContext();
    expect(await runShow(ok, wheel('symverold-0.1.0-cp311-cp311-linux_x86_64.whl'), {})).toBe(0);
    expect(ok.stdout().replace(/\s+/g, ' ')).toContain('is consistent with the following platform tag: "manylinux_2_5_x86_64"');
    const bad = captureContext();
    expect(await runShow(bad, wheel('zblack-0.1.0-cp311-cp311-linux_x86_64.whl'), {})).toBe(0);
    expect(bad.stdout()).toContain('"linux_x86_64"');
  });

  it('--json prints one document and no text; -v adds the culprits to the text', async () => {
    const j = captureContext();
    expect(await runShow(j, wheel('glibcnew-0.1.0-cp311-cp311-linux_x86_64.whl'), { json: true })).toBe(0);
    expect(JSON.parse(j.stdout())).toMatchObject({ version: 1, overall_tag: 'manylinux_2_36_x86_64' });
    const v = captureContext({ verbose: 1 });
    await runShow(v, wheel('glibcnew-0.1.0-cp311-cp311-linux_x86_64.whl'), {});
    expect(v.stdout()).toContain('What rules out each more compatible tag:');
    const plain = captureContext();
    await runShow(plain, wheel('glibcnew-0.1.0-cp311-cp311-linux_x86_64.whl'), {});
    expect(plain.stdout()).not.toContain('What rules out');
  });

  it('a pure wheel: exit 1 with an error line (and the error object under --json); exit 0 when allowed', async () => {
    const a = captureContext();
    expect(await runShow(a, wheel('purepkg-0.1.0-py3-none-any.whl'), {})).toBe(1);
    expect(a.stdout()).toBe('');
    expect(a.stderr()).toMatch(/wheelaudit: error\[ANALYZE_NON_PLATFORM\]: purepkg-0\.1\.0-py3-none-any\.whl: This does not look like a platform wheel/);
    const j = captureContext();
    expect(await runShow(j, wheel('purepkg-0.1.0-py3-none-any.whl'), { json: true })).toBe(1);
    expect(JSON.parse(j.stdout())).toMatchObject({ version: 1, wheel: 'purepkg-0.1.0-py3-none-any.whl', error: expect.stringMatching(/^This does not look like a platform wheel/) as string });
    const allowed = captureContext();
    expect(await runShow(allowed, wheel('purepkg-0.1.0-py3-none-any.whl'), { json: true, allowPurePythonWheel: true })).toBe(0);
    expect(JSON.parse(allowed.stdout())).toEqual({ version: 1, wheel: 'purepkg-0.1.0-py3-none-any.whl', pure: true });
  });

  it('a missing file is a usage error before anything is read', async () => {
    await expect(runShow(captureContext(), '/nonexistent/x-1.0-py3-none-any.whl', {})).rejects.toMatchObject({ code: 'USAGE', message: 'cannot access /nonexistent/x-1.0-py3-none-any.whl. No such file' });
  });
});
