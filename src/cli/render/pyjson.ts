// JSON text in the exact shape Python's json.dumps(indent=4) gives (what auditwheel prints):
// four-space indent, ", " never at line ends, non-ASCII escaped as \uXXXX.

export type JsonValue = string | number | boolean | null | readonly JsonValue[] | { readonly [k: string]: JsonValue };

export function pyJsonDumps(value: JsonValue): string {
  // ensure_ascii escapes everything outside ' '..'~', DEL included; JSON.stringify has done
  // the controls below ' ', and a character above U+FFFF is two UTF-16 units, escaped each.
  return JSON.stringify(value, null, 4).replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
