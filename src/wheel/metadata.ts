// The `*.dist-info/WHEEL` file: RFC 822 style `Name: value` headers (PEP 427). Parsing keeps
// header order and folded continuation lines; it refuses lines that are neither a header nor a
// continuation. The tag rewrite follows auditwheel's add_platforms rule (spec §6.11).
import { WheelFormatError } from '../errors.js';

/**
 * The largest WHEEL file read: real ones are a few hundred bytes; a few MiB leaves room for
 * any number of genuine tags while a decompression bomb stops here.
 */
export const MAX_WHEEL_FILE_SIZE = 4 * 1024 * 1024;

/** WHEEL headers in file order. `body` holds any text after the blank line (normally none). */
export interface WheelMetadata {
  readonly headers: readonly (readonly [string, string])[];
  readonly body?: string;
}

// A field name is printable ASCII without ':' or space (RFC 5322 §2.2).
const HEADER_RE = /^([\x21-\x39\x3b-\x7e]+):[ \t]*(.*)$/;

function sameName(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/**
 * Parse WHEEL text (LF or CRLF). Header names are matched case-insensitively by the helpers
 * below, as in Python's `email.message.Message`; values keep their text after `Name:` and any
 * leading blanks, and a folded value keeps its line breaks.
 * @throws WheelFormatError `WHEEL_BAD_METADATA` for a line that is neither a header nor a continuation.
 */
export function parseWheelMetadata(text: string): WheelMetadata {
  const lines = text.split(/\r\n|\n|\r/);
  const headers: [string, string][] = [];
  let i = 0;
  for (; i < lines.length; i++) {
    const line = lines[i] ?? '';
    if (line === '') break;
    const last = headers[headers.length - 1];
    if (line.startsWith(' ') || line.startsWith('\t')) {
      if (last === undefined) {
        throw new WheelFormatError(
          'WHEEL_BAD_METADATA',
          `WHEEL line ${i + 1}: found a continuation line before any header, expected 'Name: value'`,
        );
      }
      last[1] = `${last[1]}\n${line}`;
      continue;
    }
    const m = HEADER_RE.exec(line);
    const name = m?.[1];
    const value = m?.[2];
    if (name === undefined || value === undefined) {
      throw new WheelFormatError(
        'WHEEL_BAD_METADATA',
        `WHEEL line ${i + 1}: found ${JSON.stringify(line.length > 60 ? `${line.slice(0, 60)}...` : line)}, expected 'Name: value'`,
      );
    }
    headers.push([name, value]);
  }
  const body = lines.slice(i + 1).join('\n');
  const frozen = headers.map(([n, v]) => Object.freeze([n, v] as const));
  return body.trim() === '' ? { headers: frozen } : { headers: frozen, body };
}

/** Every `Tag` value, in file order. */
export function wheelTags(m: WheelMetadata): string[] {
  return m.headers.filter(([n]) => sameName(n, 'Tag')).map(([, v]) => v);
}

/**
 * The first `Root-Is-Purelib` value as a boolean (`true` in any case means true, anything else
 * false, as pip reads it), or undefined when the header is absent.
 */
export function rootIsPurelib(m: WheelMetadata): boolean | undefined {
  const header = m.headers.find(([n]) => sameName(n, 'Root-Is-Purelib'));
  return header === undefined ? undefined : header[1].trim().toLowerCase() === 'true';
}

/** A tag's `<python>-<abi>` prefix (its first two dash-separated parts) and the platform after it. */
function splitTag(tag: string): { tag: string; pyc: string; platform: string | undefined } {
  const first = tag.indexOf('-');
  const second = first < 0 ? -1 : tag.indexOf('-', first + 1);
  return second < 0 ? { tag, pyc: tag, platform: undefined } : { tag, pyc: tag.slice(0, second), platform: tag.slice(second + 1) };
}

/**
 * Rewrite the tags for new platform tags `abis` (in the caller's order), dropping the platform
 * tags in `remove`; `notPurelib` replaces every `Root-Is-Purelib` with one `Root-Is-Purelib: False`.
 * This is the reference's rule: pyc = unique `<python>-<abi>` prefixes of the current tags;
 * new = (pyc × abis) not already present; updated = current minus (pyc × remove), then new.
 * Only when updated differs from the current tags are all `Tag` headers removed and the updated
 * list appended after the other headers (then the purelib header, when asked for); otherwise
 * the metadata is returned unchanged, purelib included. A caller that drops `any` must put it
 * in `remove` itself.
 */
export function updateWheelTags(
  m: WheelMetadata,
  abis: readonly string[],
  remove: readonly string[],
  notPurelib: boolean,
): { metadata: WheelMetadata; changed: boolean } {
  const current = wheelTags(m);
  // Each tag split once into its `<python>-<abi>` prefix and the platform after it, and looked
  // up by those parts: a WHEEL with many Tag lines must not make this quadratic (nor build a
  // new string per lookup).
  const split = current.map(splitTag);
  const platformsOf = new Map<string, Set<string>>();
  for (const { pyc, platform } of split) {
    let set = platformsOf.get(pyc);
    if (set === undefined) platformsOf.set(pyc, (set = new Set()));
    if (platform !== undefined) set.add(platform);
  }
  const added: string[] = [];
  for (const [pyc, platforms] of platformsOf) for (const a of abis) if (!platforms.has(a)) added.push(`${pyc}-${a}`);
  const removed = new Set(remove);
  const updated = split.filter(({ platform }) => platform === undefined || !removed.has(platform)).map(({ tag }) => tag);
  for (const t of added) updated.push(t);

  const same = updated.length === current.length && updated.every((t, k) => t === current[k]);
  if (same) return { metadata: m, changed: false };

  const kept = m.headers.filter(
    ([n]) => !sameName(n, 'Tag') && !(notPurelib && sameName(n, 'Root-Is-Purelib')),
  );
  const headers: (readonly [string, string])[] = [
    ...kept,
    ...updated.map((t) => Object.freeze(['Tag', t] as const)),
  ];
  if (notPurelib) headers.push(Object.freeze(['Root-Is-Purelib', 'False'] as const));
  const metadata: WheelMetadata = m.body === undefined ? { headers } : { headers, body: m.body };
  return { metadata, changed: true };
}

/** WHEEL text: `Name: value` lines with '\n' endings, then one blank line (then any body). */
export function serializeWheelMetadata(m: WheelMetadata): string {
  const head = m.headers.map(([n, v]) => `${n}: ${v}\n`).join('');
  return `${head}\n${m.body ?? ''}`;
}
