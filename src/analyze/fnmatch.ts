// Shell-style pattern matching with Python fnmatch semantics (what --exclude patterns and
// ld.so.conf include globs mean to auditwheel users): a full, case-sensitive match where `*`
// also matches `/`, `?` is one character, `[seq]` and `[!seq]` are character classes.

const cache = new Map<string, RegExp>();

function escapeClassChar(c: string): string {
  return c === '\\' || c === ']' || c === '^' ? `\\${c}` : c;
}

export function fnmatchToRegExp(pattern: string): RegExp {
  const hit = cache.get(pattern);
  if (hit !== undefined) return hit;
  let re = '';
  let i = 0;
  while (i < pattern.length) {
    const c = pattern[i] as string;
    i++;
    if (c === '*') {
      re += '[\\s\\S]*';
    } else if (c === '?') {
      re += '[\\s\\S]';
    } else if (c === '[') {
      // Find the closing bracket; a ']' right after '[' or '[!' is a literal member.
      let j = i;
      if (pattern[j] === '!') j++;
      if (pattern[j] === ']') j++;
      while (j < pattern.length && pattern[j] !== ']') j++;
      if (j >= pattern.length) {
        re += '\\[';
      } else {
        let body = pattern.slice(i, j);
        i = j + 1;
        let negate = false;
        if (body.startsWith('!')) {
          negate = true;
          body = body.slice(1);
        }
        let cls = '';
        for (let k = 0; k < body.length; k++) {
          const ch = body[k] as string;
          const hi = body[k + 2];
          if (body[k + 1] === '-' && hi !== undefined) {
            // A range; Python's fnmatch drops an empty (reversed) range instead of failing.
            if (ch <= hi) cls += `${escapeClassChar(ch)}-${escapeClassChar(hi)}`;
            k += 2;
          } else {
            cls += escapeClassChar(ch);
          }
        }
        if (cls === '') {
          re += negate ? '[\\s\\S]' : '(?!)';
          continue;
        }
        re += negate ? `[^${cls}]` : `[${cls}]`;
      }
    } else {
      re += c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
    }
  }
  const compiled = new RegExp(`^${re}$`, 'u');
  cache.set(pattern, compiled);
  return compiled;
}

export function fnmatch(name: string, pattern: string): boolean {
  return fnmatchToRegExp(pattern).test(name);
}
