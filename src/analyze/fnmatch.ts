// Shell-style pattern matching with Python fnmatch semantics (what --exclude patterns and
// ld.so.conf include globs mean to auditwheel users): a full, case-sensitive match where `*`
// also matches `/`, `?` is one character, `[seq]` and `[!seq]` are character classes.
// Matching never backtracks beyond the last `*`, so it takes at most O(name x pattern) steps
// whatever the pattern: a regular expression compiled from `*a*a*a...` backtracks
// exponentially on a 60-character name, and --exclude patterns come from the command line.

/** One pattern element: any run of characters, or exactly one character passing `test`. */
type Token = { readonly kind: 'star' } | { readonly kind: 'one'; readonly test: (ch: string) => boolean };

const STAR: Token = { kind: 'star' };
const ANY: Token = { kind: 'one', test: () => true };
const NONE: Token = { kind: 'one', test: () => false };

const cache = new Map<string, readonly Token[]>();

function escapeClassChar(c: string): string {
  return c === '\\' || c === ']' || c === '^' || c === '-' || c === '[' ? `\\${c}` : c;
}

/**
 * The class `[body]` (body between the brackets, `!` included) as a one-character test.
 * Python's rules: a reversed range (`z-a`) is dropped, leaving what remains; an empty class
 * never matches and an empty negated one matches anything. The test is a one-character
 * regular expression, which cannot backtrack.
 */
function classToken(body: string): Token {
  let negate = false;
  let chars = Array.from(body);
  if (chars[0] === '!') {
    negate = true;
    chars = chars.slice(1);
  }
  let cls = '';
  for (let k = 0; k < chars.length; k++) {
    const ch = chars[k] as string;
    const hi = chars[k + 2];
    if (chars[k + 1] === '-' && hi !== undefined) {
      if (ch <= hi) cls += `${escapeClassChar(ch)}-${escapeClassChar(hi)}`;
      k += 2;
    } else {
      cls += escapeClassChar(ch);
    }
  }
  if (cls === '') return negate ? ANY : NONE;
  const re = new RegExp(`^[${negate ? '^' : ''}${cls}]$`, 'u');
  return { kind: 'one', test: (c) => re.test(c) };
}

/** The pattern as tokens (cached); consecutive stars are merged. */
function compile(pattern: string): readonly Token[] {
  const hit = cache.get(pattern);
  if (hit !== undefined) return hit;
  const p = Array.from(pattern);
  const out: Token[] = [];
  let i = 0;
  while (i < p.length) {
    const c = p[i] as string;
    i++;
    if (c === '*') {
      if (out[out.length - 1] !== STAR) out.push(STAR);
    } else if (c === '?') {
      out.push(ANY);
    } else if (c === '[') {
      // The closing bracket; a ']' right after '[' or '[!' is a member. Unclosed: a literal '['.
      let j = i;
      if (p[j] === '!') j++;
      if (p[j] === ']') j++;
      while (j < p.length && p[j] !== ']') j++;
      if (j >= p.length) {
        out.push({ kind: 'one', test: (ch) => ch === '[' });
      } else {
        out.push(classToken(p.slice(i, j).join('')));
        i = j + 1;
      }
    } else {
      out.push({ kind: 'one', test: (ch) => ch === c });
    }
  }
  cache.set(pattern, out);
  return out;
}

/** Whether all of `name` matches `pattern` (Python's fnmatch.fnmatchcase). */
export function fnmatch(name: string, pattern: string): boolean {
  const tokens = compile(pattern);
  const s = Array.from(name);
  let i = 0;
  let t = 0;
  // The last star seen, and where in the name its match currently ends.
  let starAt = -1;
  let starEnd = 0;
  while (i < s.length) {
    const tok = tokens[t];
    if (tok?.kind === 'one' && tok.test(s[i] as string)) {
      i++;
      t++;
    } else if (tok?.kind === 'star') {
      starAt = t++;
      starEnd = i;
    } else if (starAt >= 0) {
      // Let the last star take one more character and retry what follows it. Earlier stars
      // never need to be revisited: the last one can absorb anything they would.
      t = starAt + 1;
      i = ++starEnd;
    } else {
      return false;
    }
  }
  while (tokens[t] === STAR) t++;
  return t === tokens.length;
}
