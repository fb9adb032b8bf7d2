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

/** The parts of a tag rewrite that cost one pass over the current tags (shared by the two below). */
interface TagPlan {
  readonly split: readonly { tag: string; pyc: string; platform: string | undefined }[];
  /** `<python>-<abi>` prefix -> the platforms it already has, in first-seen order. */
  readonly platformsOf: ReadonlyMap<string, ReadonlySet<string>>;
  readonly removed: ReadonlySet<string>;
  /** The updated tags equal the current ones: nothing is removed and nothing added. */
  readonly same: boolean;
}

function planTags(m: WheelMetadata, abis: readonly string[], remove: readonly string[]): TagPlan {
  // Each tag split once into its `<python>-<abi>` prefix and the platform after it, and looked
  // up by those parts: a WHEEL with many Tag lines must not make this quadratic (nor build a
  // new string per lookup).
  const split = wheelTags(m).map(splitTag);
  const platformsOf = new Map<string, Set<string>>();
  for (const { pyc, platform } of split) {
    let set = platformsOf.get(pyc);
    if (set === undefined) platformsOf.set(pyc, (set = new Set()));
    if (platform !== undefined) set.add(platform);
  }
  const removed = new Set(remove);
  // The updated list keeps the current order and only appends, so it is the same list exactly
  // when no tag is dropped and none is added.
  const drops = split.some(({ platform }) => platform !== undefined && removed.has(platform));
  let adds = false;
  for (const platforms of platformsOf.values()) if (abis.some((a) => !platforms.has(a))) adds = true;
  return { split, platformsOf, removed, same: !drops && !adds };
}

/** UTF-8 length of a string, without encoding it. */
function utf8Length(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c >= 0xd800 && c <= 0xdbff && i + 1 < s.length && (s.charCodeAt(i + 1) & 0xfc00) === 0xdc00) {
      n += 4;
      i++;
    } else n += 3;
  }
  return n;
}

/**
 * The size in bytes of `serializeWheelMetadata(updateWheelTags(...).metadata)`, computed without
 * building it, or undefined when the tags would not change. A WHEEL of 250,000 short Tag lines
 * would gain a million tags: the caller refuses that by size before allocating them.
 */
export function retaggedWheelSize(m: WheelMetadata, abis: readonly string[], remove: readonly string[], notPurelib: boolean): number | undefined {
  const p = planTags(m, abis, remove);
  if (p.same) return undefined;
  let size = 0;
  for (const [n, v] of m.headers) {
    if (sameName(n, 'Tag') || (notPurelib && sameName(n, 'Root-Is-Purelib'))) continue;
    size += utf8Length(n) + utf8Length(v) + 3;
  }
  for (const { tag, platform } of p.split) if (platform === undefined || !p.removed.has(platform)) size += utf8Length(tag) + 6;
  for (const [pyc, platforms] of p.platformsOf) for (const a of abis) if (!platforms.has(a)) size += utf8Length(pyc) + utf8Length(a) + 7;
  if (notPurelib) size += 'Root-Is-Purelib: False\n'.length;
  return size + 1 + utf8Length(m.body ?? '');
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
  const p = planTags(m, abis, remove);
  if (p.same) return { metadata: m, changed: false };
  const updated = p.split.filter(({ platform }) => platform === undefined || !p.removed.has(platform)).map(({ tag }) => tag);
  for (const [pyc, platforms] of p.platformsOf) for (const a of abis) if (!platforms.has(a)) updated.push(`${pyc}-${a}`);

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
