// Reading the Debian mirror out of apt's sources (both formats), ignoring third-party and
// security/updates entries, disabled stanzas and files apt itself would not read.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { aptSources, debianMirror, parseDeb822, parseOneLine } from './apt-sources.js';

const tmp = mkdtempSync(path.join(os.tmpdir(), 'wheelaudit-apt-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

function etc(files: Record<string, string>): string {
  const d = mkdtempSync(path.join(tmp, 'etc-'));
  mkdirSync(path.join(d, 'sources.list.d'));
  for (const [name, text] of Object.entries(files)) writeFileSync(path.join(d, name), text);
  return d;
}

const DEB822 = `Types: deb
# a comment line
URIs: http://mirror.example/debian
Suites: bookworm bookworm-updates
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: http://mirror.example/debian-security
Suites: bookworm-security
Components: main
`;

describe('apt sources', () => {
  it('deb822: one entry per URI with suites, components and keyring', () => {
    expect(parseDeb822(DEB822, 'x.sources')).toEqual([
      { uri: 'http://mirror.example/debian', suites: ['bookworm', 'bookworm-updates'], components: ['main'], signedBy: '/usr/share/keyrings/debian-archive-keyring.gpg', file: 'x.sources' },
      { uri: 'http://mirror.example/debian-security', suites: ['bookworm-security'], components: ['main'], file: 'x.sources' },
    ]);
  });

  it('deb822: deb-src, Enabled: no and an inline key block are not taken as sources or key files', () => {
    const text = `Types: deb-src\nURIs: http://a.example/debian\nSuites: bookworm\nComponents: main\n\nTypes: deb\nEnabled: no\nURIs: http://b.example/debian\nSuites: bookworm\nComponents: main\n\nTypes: deb\nURIs: http://c.example/debian\nSuites: trixie\nComponents: main contrib\nSigned-By:\n -----BEGIN PGP PUBLIC KEY BLOCK-----\n .\n abc\n`;
    expect(parseDeb822(text, 'y')).toEqual([{ uri: 'http://c.example/debian', suites: ['trixie'], components: ['main', 'contrib'], file: 'y' }]);
  });

  it('one-line format with options and comments', () => {
    const text = '# deb http://old.example/debian buster main\ndeb [arch=amd64 signed-by=/k.gpg] http://m.example/debian bookworm main contrib # trailing\ndeb-src http://m.example/debian bookworm main\n';
    expect(parseOneLine(text, 'z')).toEqual([{ uri: 'http://m.example/debian', suites: ['bookworm'], components: ['main', 'contrib'], signedBy: '/k.gpg', file: 'z' }]);
  });

  it('the mirror is the entry for a plain Debian suite with main, not a third-party or security one', () => {
    const d = etc({
      'sources.list': 'deb https://packages.thirdparty.example/apt cloud-sdk-bookworm main\n',
    });
    writeFileSync(path.join(d, 'sources.list.d', 'nodesource.sources'), 'Types: deb\nURIs: https://deb.nodesource.example/node_20.x\nSuites: nodistro\nComponents: main\n');
    writeFileSync(path.join(d, 'sources.list.d', 'debian.sources'), DEB822.split('\n\n').reverse().join('\n\n'));
    writeFileSync(path.join(d, 'sources.list.d', 'old.sources.disabled'), 'Types: deb\nURIs: http://wrong.example/debian\nSuites: bookworm\nComponents: main\n');
    expect(aptSources(d).map((s) => s.uri)).toEqual([
      'https://packages.thirdparty.example/apt',
      'http://mirror.example/debian-security',
      'http://mirror.example/debian',
      'https://deb.nodesource.example/node_20.x',
    ]);
    expect(debianMirror(d)).toEqual({ ok: true, uri: 'http://mirror.example/debian', signedBy: '/usr/share/keyrings/debian-archive-keyring.gpg' });
  });

  it('sources.list alone, trailing slash dropped', () => {
    expect(debianMirror(etc({ 'sources.list': 'deb http://ftp.example/debian/ bullseye main\n' }))).toEqual({ ok: true, uri: 'http://ftp.example/debian' });
  });

  it('no Debian entry: a reason, not a guess', () => {
    const r = debianMirror(etc({ 'sources.list': 'deb https://deb.nodesource.example/node_20.x nodistro main\n' }));
    expect(r.ok).toBe(false);
    expect(r.ok ? '' : r.reason).toMatch(/no Debian archive/);
  });

  it('this machine: the mirror is read from its own sources (never written in the repository)', (ctx) => {
    const r = debianMirror();
    if (!r.ok) ctx.skip(`not a Debian machine: ${r.reason}`);
    if (!r.ok) return;
    expect(r.uri).toMatch(/^https?:\/\/\S+$/);
    expect(aptSources().some((s) => s.uri.replace(/\/+$/, '') === r.uri)).toBe(true);
  });
});
