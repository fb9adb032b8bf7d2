// A JSON reader (RFC 8259) that keeps where every value starts, so a policy file a user wrote
// can be refused with the line and column of the bad value, not just a JSON path. Refuses
// duplicate object keys (JSON.parse silently keeps the last), nesting deeper than
// MAX_JSON_DEPTH and texts over MAX_JSON_CHARS, so hostile input costs bounded time and stack.

/** 1-based line and column (in UTF-16 code units, as editors count them for BMP text). */
export interface SourcePos {
  readonly line: number;
  readonly column: number;
}

export type JsonNode =
  | { readonly kind: 'object'; readonly pos: SourcePos; readonly members: readonly JsonMember[] }
  | { readonly kind: 'array'; readonly pos: SourcePos; readonly items: readonly JsonNode[] }
  | { readonly kind: 'string'; readonly pos: SourcePos; readonly value: string }
  | { readonly kind: 'number'; readonly pos: SourcePos; readonly value: number }
  | { readonly kind: 'boolean'; readonly pos: SourcePos; readonly value: boolean }
  | { readonly kind: 'null'; readonly pos: SourcePos };

export interface JsonMember {
  readonly key: string;
  readonly keyPos: SourcePos;
  readonly value: JsonNode;
}

export const MAX_JSON_DEPTH = 64;
export const MAX_JSON_CHARS = 16 * 1024 * 1024;

/** A syntax error at `pos`; the caller adds the file name. */
export class JsonSyntaxError extends Error {
  override readonly name = 'JsonSyntaxError';
  constructor(
    readonly pos: SourcePos,
    readonly reason: string,
  ) {
    super(`${pos.line}:${pos.column}: ${reason}`);
  }
}

const NUMBER_RE = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const ESCAPES: Readonly<Record<string, string>> = { '"': '"', '\\': '\\', '/': '/', b: '\b', f: '\f', n: '\n', r: '\r', t: '\t' };

class Reader {
  private i = 0;
  private line = 1;
  private lineStart = 0;

  constructor(private readonly text: string) {}

  pos(): SourcePos {
    return { line: this.line, column: this.i - this.lineStart + 1 };
  }

  fail(reason: string, pos: SourcePos = this.pos()): never {
    throw new JsonSyntaxError(pos, reason);
  }

  /** What is at the cursor, for messages. */
  found(): string {
    if (this.i >= this.text.length) return 'the end of the file';
    const c = this.text[this.i] as string;
    return c === '\n' ? 'a line break' : JSON.stringify(c);
  }

  skipSpace(): void {
    for (; this.i < this.text.length; this.i++) {
      const c = this.text.charCodeAt(this.i);
      if (c === 0x0a) {
        this.line++;
        this.lineStart = this.i + 1;
      } else if (c !== 0x20 && c !== 0x09 && c !== 0x0d) {
        return;
      }
    }
  }

  peek(): string | undefined {
    return this.text[this.i];
  }

  eat(c: string): boolean {
    if (this.text[this.i] !== c) return false;
    this.i++;
    return true;
  }

  atEnd(): boolean {
    return this.i >= this.text.length;
  }

  value(depth: number): JsonNode {
    if (depth > MAX_JSON_DEPTH) this.fail(`nesting deeper than ${MAX_JSON_DEPTH} levels`);
    this.skipSpace();
    const pos = this.pos();
    const c = this.peek();
    if (c === '{') return this.object(pos, depth);
    if (c === '[') return this.array(pos, depth);
    if (c === '"') return { kind: 'string', pos, value: this.string() };
    if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return { kind: 'number', pos, value: this.number() };
    for (const [word, node] of [
      ['true', { kind: 'boolean', pos, value: true }],
      ['false', { kind: 'boolean', pos, value: false }],
      ['null', { kind: 'null', pos }],
    ] as const) {
      if (this.text.startsWith(word, this.i)) {
        this.i += word.length;
        return node;
      }
    }
    return this.fail(`expected a JSON value, found ${this.found()}`);
  }

  private object(pos: SourcePos, depth: number): JsonNode {
    this.i++;
    const members: JsonMember[] = [];
    const seen = new Set<string>();
    this.skipSpace();
    if (this.eat('}')) return { kind: 'object', pos, members };
    for (;;) {
      this.skipSpace();
      const keyPos = this.pos();
      if (this.peek() !== '"') this.fail(`expected a quoted member name, found ${this.found()}`);
      const key = this.string();
      if (seen.has(key)) this.fail(`duplicate member ${JSON.stringify(key)}`, keyPos);
      seen.add(key);
      this.skipSpace();
      if (!this.eat(':')) this.fail(`expected ':' after member ${JSON.stringify(key)}, found ${this.found()}`);
      members.push({ key, keyPos, value: this.value(depth + 1) });
      this.skipSpace();
      if (this.eat('}')) return { kind: 'object', pos, members };
      if (!this.eat(',')) this.fail(`expected ',' or '}' after a member, found ${this.found()}`);
    }
  }

  private array(pos: SourcePos, depth: number): JsonNode {
    this.i++;
    const items: JsonNode[] = [];
    this.skipSpace();
    if (this.eat(']')) return { kind: 'array', pos, items };
    for (;;) {
      items.push(this.value(depth + 1));
      this.skipSpace();
      if (this.eat(']')) return { kind: 'array', pos, items };
      if (!this.eat(',')) this.fail(`expected ',' or ']' after an array item, found ${this.found()}`);
    }
  }

  private string(): string {
    this.i++; // opening quote
    let out = '';
    for (;;) {
      if (this.atEnd()) this.fail('unterminated string');
      const c = this.text[this.i] as string;
      const code = c.charCodeAt(0);
      if (c === '"') {
        this.i++;
        return out;
      }
      if (code < 0x20) this.fail(`control character U+${code.toString(16).padStart(4, '0')} in a string (escape it)`);
      if (c !== '\\') {
        out += c;
        this.i++;
        continue;
      }
      const e = this.text[this.i + 1];
      if (e === 'u') {
        const hex = this.text.slice(this.i + 2, this.i + 6);
        if (!/^[0-9a-fA-F]{4}$/.test(hex)) this.fail('expected four hex digits after \\u');
        out += String.fromCharCode(parseInt(hex, 16));
        this.i += 6;
      } else if (e !== undefined && ESCAPES[e] !== undefined) {
        out += ESCAPES[e];
        this.i += 2;
      } else {
        this.fail(`invalid escape \\${e ?? ''} in a string`);
      }
    }
  }

  private number(): number {
    NUMBER_RE.lastIndex = this.i;
    const m = NUMBER_RE.exec(this.text);
    if (m === null) return this.fail(`invalid number, found ${this.found()}`);
    this.i += m[0].length;
    return Number(m[0]);
  }
}

/**
 * Parse `text` as one JSON value. Throws JsonSyntaxError (with a position) for malformed JSON,
 * duplicate keys, excessive nesting or size.
 */
export function parseJsonWithPositions(text: string): JsonNode {
  if (text.length > MAX_JSON_CHARS) throw new JsonSyntaxError({ line: 1, column: 1 }, `the file is larger than ${MAX_JSON_CHARS} characters`);
  const r = new Reader(text.charCodeAt(0) === 0xfeff ? ` ${text.slice(1)}` : text);
  const node = r.value(0);
  r.skipSpace();
  if (!r.atEnd()) r.fail(`expected the end of the file after the JSON value, found ${r.found()}`);
  return node;
}

/** A human description of a node's type and value, for "expected X, found Y" messages. */
export function describeNode(n: JsonNode): string {
  switch (n.kind) {
    case 'object':
      return 'an object';
    case 'array':
      return `an array of ${n.items.length}`;
    case 'string': {
      const s = JSON.stringify(n.value);
      return `string ${s.length > 60 ? `${s.slice(0, 57)}...` : s}`;
    }
    case 'number':
      return `number ${n.value}`;
    case 'boolean':
      return String(n.value);
    case 'null':
      return 'null';
  }
}
