// Entry names as Python's zipfile decodes them (UTF-8 when flagged, else code page 437; an
// Info-ZIP Unicode Path extra field wins when its CRC matches), and the names a wheel may not
// hold: absolute, escaping, non-normalized, with NUL or backslash, duplicated, or a file that
// is also used as a directory.
import { WheelFormatError } from '../errors.js';
import { crc32 } from './crc32.js';
import { FLAG_UTF8, showBytes, showName } from './zip-format.js';

const utf8 = new TextDecoder('utf-8', { fatal: true });

// Code page 437, bytes 0x80-0xFF. Bytes below 0x80 decode as ASCII, as Python's codec does.
const CP437_HIGH =
  'ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0';

function decodeCp437(bytes: Uint8Array): string {
  let s = '';
  for (const b of bytes) s += b < 0x80 ? String.fromCharCode(b) : (CP437_HIGH[b - 0x80] ?? '');
  return s;
}

function isAscii(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) if ((bytes[i] ?? 0) >= 0x80) return false;
  return true;
}

function decodeUtf8Name(bytes: Uint8Array, rawBytes: Uint8Array, where: string): string {
  try {
    return utf8.decode(bytes);
  } catch (err) {
    throw new WheelFormatError('WHEEL_UNSAFE_PATH', `${where}: entry ${showBytes(rawBytes)}: name is flagged UTF-8 but is not valid UTF-8`, {
      cause: err,
    });
  }
}

/**
 * The entry name held in buf[start, end): the Unicode Path extra field's when present (version
 * 1) and its CRC matches the raw name's, else the raw name decoded by the flags (UTF-8 when bit
 * 11 is set, code page 437 otherwise). `where` names the archive in errors.
 */
export function decodeEntryName(buf: Buffer, start: number, end: number, flags: number, unicodePath: Uint8Array | undefined, where: string): string {
  // 0x7075 data: version (1 byte) = 1, CRC-32 of the raw name (4 bytes), UTF-8 name.
  if (unicodePath !== undefined && unicodePath.length > 5 && unicodePath[0] === 1) {
    const raw = buf.subarray(start, end);
    const view = new DataView(unicodePath.buffer, unicodePath.byteOffset, unicodePath.byteLength);
    if (view.getUint32(1, true) === crc32(raw)) return decodeUtf8Name(unicodePath.subarray(5), raw, where);
  }
  // Most names are ASCII: decoded straight from the buffer, without a view or a decoder.
  if (isAscii(buf, start, end)) return buf.toString('latin1', start, end);
  const raw = buf.subarray(start, end);
  return (flags & FLAG_UTF8) !== 0 ? decodeUtf8Name(raw, raw, where) : decodeCp437(raw);
}

/** Why a decoded entry name is refused, or undefined when it is safe. */
export function unsafeNameReason(name: string): string | undefined {
  if (name === '') return 'empty name';
  if (name.includes('\0')) return 'name contains a NUL byte';
  if (name.includes('\\')) return "name contains a backslash, expected '/' separators";
  if (name.startsWith('/') || /^[A-Za-z]:/.test(name)) {
    return 'absolute path, expected a path relative to the wheel root';
  }
  const body = name.endsWith('/') ? name.slice(0, -1) : name;
  // Components are checked with patterns rather than split, to keep 150,000 names cheap.
  if (/(?:^|\/)\.\.(?:\/|$)/.test(body)) return 'path escapes the wheel';
  if (body === '' || body.includes('//') || /(?:^|\/)\.(?:\/|$)/.test(body)) return "path is not normalized (empty or '.' component)";
  return undefined;
}

/** Refuse an unsafe name with `WHEEL_UNSAFE_PATH`; `where` names the archive. */
export function checkEntryName(name: string, where: string): void {
  const why = unsafeNameReason(name);
  if (why !== undefined) throw new WheelFormatError('WHEEL_UNSAFE_PATH', `${where}: entry ${showName(name)}: ${why}`);
}

/**
 * Exact duplicates, a file and a directory with the same path, and a file used as a parent
 * (`where` names the archive in errors). Linear in the names' total length.
 */
export function checkNameConflicts(names: readonly string[], where: string): void {
  indexNames(names.map((name) => ({ name })), where);
}

/**
 * The entries by name, refusing what {@link checkNameConflicts} refuses. The map itself finds
 * the conflicts (no second map of every path: at 150,000 entries one is about 15 MiB).
 */
export function indexNames<T extends { readonly name: string }>(entries: readonly T[], where: string): Map<string, T> {
  const byName = new Map<string, T>();
  entries.forEach((entry, i) => {
    const name = entry.name;
    // Another entry with this path, as a file or as a directory.
    const path = name.endsWith('/') ? name.slice(0, -1) : name;
    const first = byName.get(path) ?? byName.get(`${path}/`);
    if (first !== undefined) {
      throw new WheelFormatError(
        'WHEEL_UNSAFE_PATH',
        `${where}: entry ${showName(name)}: duplicate name (central directory records ${entries.indexOf(first) + 1} and ${i + 1})`,
      );
    }
    byName.set(name, entry);
  });
  // Each directory path is checked once, walking up from every name until a known one; a file
  // entry has exactly the parent's path as its name (a directory's ends with '/').
  const dirs = new Set<string>();
  for (const { name } of entries) {
    for (let p = parentOf(name); p !== '' && !dirs.has(p); p = parentOf(p)) {
      if (byName.has(p)) {
        throw new WheelFormatError('WHEEL_UNSAFE_PATH', `${where}: entry ${showName(name)}: parent ${showName(p)} is a file entry, expected a directory`);
      }
      dirs.add(p);
    }
  }
  return byName;
}

/** The directory part of an entry name ('' at the top), without a trailing '/'. */
function parentOf(name: string): string {
  const body = name.endsWith('/') ? name.slice(0, -1) : name;
  const slash = body.lastIndexOf('/');
  return slash < 0 ? '' : body.slice(0, slash);
}
