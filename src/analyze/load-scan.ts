// Where code finds libraries at run time, which DT_NEEDED does not show: `lib*.so*` string
// literals in an ELF file's read-only data (the argument of a dlopen()), and the arguments of
// ctypes' CDLL / cdll.LoadLibrary / util.find_library calls in Python source. These are
// hints, not facts: a literal may be a message, a call may be dead code, and an argument
// computed at run time is reported as such rather than guessed. Pure over bytes and text.
import { PF_W, PF_X, PT_LOAD, SHF_ALLOC, SHF_EXECINSTR, SHF_WRITE, SHT_PROGBITS } from '../elf/constants.js';
import type { ElfFile } from '../elf/index.js';

/** At most this many names per file: a file full of such strings is reported, not copied out. */
export const MAX_LOAD_HINTS_PER_FILE = 64;

/** A whole string that names a library: `libfoo.so`, `libfoo.so.1.2`, `/opt/x/libfoo.so.3`. */
const LIBRARY_STRING = /^(?:[^\0\s]*\/)?lib[A-Za-z0-9_+.-]*\.so(?:\.[0-9]+)*$/;
const MAX_STRING = 4096;

/** File ranges [start, end) of read-only, non-executable data. */
function readOnlyRanges(elf: ElfFile): [number, number][] {
  const size = elf.bytes.length;
  const clip = (off: bigint, len: bigint): [number, number] | undefined => {
    if (off >= BigInt(size)) return undefined;
    const end = off + len > BigInt(size) ? BigInt(size) : off + len;
    return [Number(off), Number(end)];
  };
  let sections: ReturnType<ElfFile['sections']> = [];
  try {
    sections = elf.sections();
  } catch {
    sections = [];
  }
  const out: [number, number][] = [];
  if (sections.length > 0) {
    for (const s of sections) {
      const f = s.sh_flags;
      // PROGBITS, allocated, neither writable nor code: .rodata and friends (.dynstr is STRTAB).
      if (s.sh_type !== SHT_PROGBITS || (f & SHF_ALLOC) === 0n || (f & (SHF_WRITE | SHF_EXECINSTR)) !== 0n) continue;
      const r = clip(s.sh_offset, s.sh_size);
      if (r !== undefined) out.push(r);
    }
    return out;
  }
  // No section headers: read-only data lives in the loadable segments that are neither
  // writable nor executable (this also covers .dynstr; the caller drops its names).
  for (const p of elf.programHeaders) {
    if (p.p_type !== PT_LOAD || (p.p_flags & (PF_W | PF_X)) !== 0) continue;
    const r = clip(p.p_offset, p.p_filesz);
    if (r !== undefined) out.push(r);
  }
  return out;
}

function printable(bytes: Uint8Array, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const b = bytes[i] as number;
    if (b < 0x21 || b > 0x7e) return false;
  }
  return true;
}

/**
 * The library names an ELF file holds as whole NUL-terminated strings in its read-only data,
 * in file order, without duplicates and without the file's own DT_NEEDED and DT_SONAME.
 */
export function scanElfLoadStrings(elf: ElfFile): string[] {
  const bytes = elf.bytes;
  const linked = new Set([...(elf.dynamic?.needed ?? []), ...(elf.dynamic?.soname === undefined ? [] : [elf.dynamic.soname])]);
  const found = new Set<string>();
  const decoder = new TextDecoder('latin1');
  for (const [start, end] of readOnlyRanges(elf)) {
    // Find each ".so" with a Horspool skip on the byte under its last letter (a third of the
    // reads of a plain loop), then take the NUL-delimited string around it.
    let i = start;
    while (i + 2 < end && found.size < MAX_LOAD_HINTS_PER_FILE) {
      const c = bytes[i + 2];
      if (c !== 0x6f) {
        i += c === 0x73 ? 1 : c === 0x2e ? 2 : 3;
        continue;
      }
      if (bytes[i + 1] !== 0x73 || bytes[i] !== 0x2e) {
        i += 3;
        continue;
      }
      let s = i;
      while (s > start && bytes[s - 1] !== 0 && i - s < MAX_STRING) s--;
      let e = i + 3;
      while (e < end && bytes[e] !== 0 && e - i < MAX_STRING) e++;
      if (e < end && bytes[e] === 0 && printable(bytes, s, e)) {
        const text = decoder.decode(bytes.subarray(s, e));
        if (LIBRARY_STRING.test(text) && !linked.has(text)) found.add(text);
      }
      i = e + 1;
    }
  }
  return [...found];
}

/** A ctypes call found in Python source. */
export interface PyLoadCall {
  /** 1-based line of the call. */
  readonly line: number;
  readonly call: 'CDLL' | 'PyDLL' | 'LoadLibrary' | 'find_library';
  /** The string literal passed as the first argument, or undefined when it is computed. */
  readonly literal: string | undefined;
  /** The first argument's source text (shortened). */
  readonly argument: string;
  /** Library file names in string literals inside a computed argument (`os.path.join(d, "libx.so")`). */
  readonly embedded: readonly string[];
}

const CALL_RE = /\b(?:CDLL|PyDLL|(?:cdll|pydll)\s*\.\s*LoadLibrary|find_library)\s*\(/g;
const STRING_START = /^(?:[rRbBuUfF]|[rR][bBfF]|[bBfF][rR])?(?:'''|"""|'|")/;
const LIBRARY_FILE = /(?:^|\/)lib[A-Za-z0-9_+.-]*\.so(?:\.[0-9]+)*$/;

/** Read a Python string literal at `i` (prefix included). Returns its value and end, or undefined. */
function readStringLiteral(src: string, i: number): { value: string; end: number; formatted: boolean } | undefined {
  const m = STRING_START.exec(src.slice(i, i + 5));
  if (m === null) return undefined;
  const raw = /[rR]/.test(m[0]);
  const quote = m[0].replace(/^[rRbBuUfF]+/, '');
  let j = i + m[0].length;
  let value = '';
  while (j < src.length) {
    if (src.startsWith(quote, j)) return { value, end: j + quote.length, formatted: /[fF]/.test(m[0]) };
    const c = src[j] as string;
    if (c === '\n' && quote.length === 1) return undefined;
    if (c === '\\' && j + 1 < src.length) {
      const n = src[j + 1] as string;
      value += raw ? `\\${n}` : n === 'n' ? '\n' : n === 't' ? '\t' : n;
      j += 2;
      continue;
    }
    value += c;
    j++;
  }
  return undefined;
}

/**
 * Ranges [start, end) of string literals and comments, which a call pattern must not match
 * inside. A quote that opens no valid literal (a stray one) is skipped as a single character.
 */
function inertRanges(src: string): [number, number][] {
  const out: [number, number][] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i] as string;
    if (c === '#') {
      const nl = src.indexOf('\n', i);
      const end = nl < 0 ? src.length : nl;
      out.push([i, end]);
      i = end;
      continue;
    }
    if (c === '"' || c === "'") {
      // A prefix letter right before the quote belongs to the literal.
      let s = i;
      while (s > 0 && /[rRbBuUfF]/.test(src[s - 1] as string) && i - s < 2) s--;
      const lit = readStringLiteral(src, s) ?? readStringLiteral(src, i);
      if (lit !== undefined) {
        out.push([s, lit.end]);
        i = lit.end;
        continue;
      }
    }
    i++;
  }
  return out;
}

function inside(ranges: readonly [number, number][], pos: number): boolean {
  let lo = 0;
  let hi = ranges.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const [s, e] = ranges[mid] as [number, number];
    if (pos < s) hi = mid - 1;
    else if (pos >= e) lo = mid + 1;
    else return true;
  }
  return false;
}

/** The first argument: its text (up to a top-level ',' or ')') and the string literals in it. */
function firstArgument(src: string, i: number): { text: string; literals: string[] } {
  let depth = 0;
  let j = i;
  const literals: string[] = [];
  while (j < src.length && j - i < 400) {
    const c = src[j] as string;
    const lit = /["'rRbBuUfF]/.test(c) && (j === i || !/[\w]/.test(src[j - 1] as string)) ? readStringLiteral(src, j) : undefined;
    if (lit !== undefined) {
      if (!lit.formatted) literals.push(lit.value);
      j = lit.end;
      continue;
    }
    if (c === '(' || c === '[' || c === '{') depth++;
    else if (c === ')' || c === ']' || c === '}') {
      if (depth === 0) break;
      depth--;
    } else if (c === ',' && depth === 0) break;
    j++;
  }
  const text = src.slice(i, j).replace(/\s+/g, ' ').trim();
  return { text: text.length > 80 ? `${text.slice(0, 77)}...` : text, literals };
}

function callKind(matched: string): PyLoadCall['call'] {
  if (matched.startsWith('find_library')) return 'find_library';
  if (matched.includes('LoadLibrary')) return 'LoadLibrary';
  return matched.startsWith('PyDLL') ? 'PyDLL' : 'CDLL';
}

/**
 * The ctypes library loads of one Python source file, in order. Calls inside strings and
 * comments, and `def find_library(...)`, are skipped; a load whose argument is itself a
 * find_library() call is reported once, as that call.
 */
export function scanPythonLoads(src: string): PyLoadCall[] {
  const out: PyLoadCall[] = [];
  const inert = inertRanges(src);
  const lineStarts = [0];
  for (let i = src.indexOf('\n'); i >= 0; i = src.indexOf('\n', i + 1)) lineStarts.push(i + 1);
  const lineOf = (pos: number): number => {
    let lo = 0;
    let hi = lineStarts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((lineStarts[mid] as number) <= pos) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  for (const m of src.matchAll(CALL_RE)) {
    const at = m.index;
    if (inside(inert, at)) continue;
    const line = lineOf(at);
    if (/\bdef\s+$/.test(src.slice(lineStarts[line - 1], at))) continue;
    let i = at + m[0].length;
    while (i < src.length && /\s/.test(src[i] as string)) i++;
    const arg = firstArgument(src, i);
    const call = callKind(m[0]);
    if (call !== 'find_library' && /^(?:[\w.]+\.)?find_library\s*\(/.test(arg.text)) continue;
    const lit = readStringLiteral(src, i);
    let literal: string | undefined;
    if (lit !== undefined && !lit.formatted) {
      const rest = src.slice(lit.end).trimStart();
      if (rest.startsWith(',') || rest.startsWith(')')) literal = lit.value;
    }
    const embedded = literal === undefined ? arg.literals.filter((l) => LIBRARY_FILE.test(l)) : [];
    out.push({ line, call, literal, argument: arg.text, embedded });
    if (out.length >= MAX_LOAD_HINTS_PER_FILE) break;
  }
  return out;
}
