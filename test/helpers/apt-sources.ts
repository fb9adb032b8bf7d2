// The Debian mirror this machine's apt uses, read at run time from its sources
// (/etc/apt/sources.list.d/*.sources in deb822 form, *.list, /etc/apt/sources.list), so no
// mirror host name is ever written into the repository. Only an entry that serves a plain
// Debian suite (bookworm, trixie, ...; not -security or -updates) with the main component
// counts; third-party repositories (NodeSource, ...) are ignored.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';

const DEBIAN_SUITES = new Set(['buster', 'bullseye', 'bookworm', 'trixie', 'forky', 'duke', 'sid', 'oldoldstable', 'oldstable', 'stable', 'testing', 'unstable']);

export interface AptSource {
  readonly uri: string;
  readonly suites: readonly string[];
  readonly components: readonly string[];
  /** The keyring named by Signed-By / [signed-by=...], when it names a file. */
  readonly signedBy?: string;
  /** The file it was read from. */
  readonly file: string;
}

/** The entries of a deb822 `.sources` file that are enabled `deb` sources. */
export function parseDeb822(text: string, file: string): AptSource[] {
  const out: AptSource[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const fields = new Map<string, string>();
    let last: string | undefined;
    for (const line of stanza.split('\n')) {
      if (line.startsWith('#') || line.trim() === '') continue;
      if (/^\s/.test(line) && last !== undefined) {
        fields.set(last, `${fields.get(last) ?? ''} ${line.trim()}`);
        continue;
      }
      const m = /^([A-Za-z0-9-]+):\s*(.*)$/.exec(line);
      if (m === null) continue;
      last = (m[1] as string).toLowerCase();
      fields.set(last, (m[2] as string).trim());
    }
    const words = (k: string): string[] => (fields.get(k) ?? '').split(/\s+/).filter((w) => w !== '');
    if (!words('types').includes('deb') || (fields.get('enabled') ?? 'yes').toLowerCase() === 'no') continue;
    const key = fields.get('signed-by');
    const signedBy = key !== undefined && key.startsWith('/') && !key.includes(' ') ? { signedBy: key } : {};
    for (const uri of words('uris')) out.push({ uri, suites: words('suites'), components: words('components'), ...signedBy, file });
  }
  return out;
}

/** The `deb` lines of a one-line-style `.list` file. */
export function parseOneLine(text: string, file: string): AptSource[] {
  const out: AptSource[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/#.*$/, '').trim();
    // deb [option=value ...] uri suite component...
    const m = /^deb\s+(?:\[([^\]]*)\]\s+)?(\S+)\s+(\S+)\s*(.*)$/.exec(line);
    if (m === null) continue;
    const key = /(?:^|\s)signed-by=(\/\S+)/.exec(m[1] ?? '')?.[1];
    const components = (m[4] as string).split(/\s+/).filter((w) => w !== '');
    out.push({ uri: m[2] as string, suites: [m[3] as string], components, ...(key === undefined ? {} : { signedBy: key }), file });
  }
  return out;
}

/** Every `deb` entry apt reads on this machine (`etcApt` for tests). */
export function aptSources(etcApt = '/etc/apt'): AptSource[] {
  const out: AptSource[] = [];
  const main = path.join(etcApt, 'sources.list');
  if (existsSync(main)) out.push(...parseOneLine(readFileSync(main, 'utf8'), main));
  const dir = path.join(etcApt, 'sources.list.d');
  const files = existsSync(dir) ? readdirSync(dir).sort() : [];
  for (const f of files) {
    const p = path.join(dir, f);
    if (f.endsWith('.sources')) out.push(...parseDeb822(readFileSync(p, 'utf8'), p));
    else if (f.endsWith('.list')) out.push(...parseOneLine(readFileSync(p, 'utf8'), p));
  }
  return out;
}

export type MirrorLookup = { readonly ok: true; readonly uri: string; readonly signedBy?: string } | { readonly ok: false; readonly reason: string };

/** The URI of the Debian archive in the machine's apt sources, without a trailing slash. */
export function debianMirror(etcApt = '/etc/apt'): MirrorLookup {
  const sources = aptSources(etcApt);
  const hit = sources.find((s) => /^https?:\/\//.test(s.uri) && s.components.includes('main') && s.suites.some((x) => DEBIAN_SUITES.has(x)));
  if (hit === undefined) {
    return { ok: false, reason: `no Debian archive (a plain suite such as bookworm, component main) in the apt sources under ${etcApt}` };
  }
  return { ok: true, uri: hit.uri.replace(/\/+$/, ''), ...(hit.signedBy === undefined ? {} : { signedBy: hit.signedBy }) };
}
