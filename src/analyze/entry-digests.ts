// The sha256 digests and sizes of a wheel's file entries, taken while the wheel is read for
// repair and used for the new RECORD's unchanged rows. Kept as 32 bytes per entry in one
// buffer, not as a `{ hash, size }` object and a 71-character string each: at 150,000 entries
// those held about 25 MiB through the whole repair, this about 10.
import { InternalError } from '../errors.js';

/** An entry's RECORD hash (`sha256=<urlsafe base64, no padding>`) and its size in bytes. */
export interface EntryDigest {
  readonly hash: string;
  readonly size: number;
}

const SHA256_BYTES = 32;

/** A read-only map from entry name to its digest; each lookup makes its hash string anew. */
export class DigestTable implements ReadonlyMap<string, EntryDigest> {
  readonly #index = new Map<string, number>();
  #bytes: Buffer;
  #sizes: Float64Array;

  /** `capacity`: how many entries to make room for at once (it grows beyond as needed). */
  constructor(capacity = 16) {
    this.#bytes = Buffer.alloc(Math.max(1, capacity) * SHA256_BYTES);
    this.#sizes = new Float64Array(Math.max(1, capacity));
  }

  /** Record `name`'s sha256 digest, given as RECORD writes it without the prefix (urlsafe base64, no padding). */
  set(name: string, sha256: string, size: number): void {
    const i = this.#index.get(name) ?? this.#index.size;
    if (i >= this.#sizes.length) this.#grow();
    const written = this.#bytes.write(sha256, i * SHA256_BYTES, SHA256_BYTES, 'base64url');
    if (written !== SHA256_BYTES || sha256.length !== 43) {
      throw new InternalError(`entry ${name}: ${JSON.stringify(sha256)} is not a base64url sha256 digest`);
    }
    this.#sizes[i] = size;
    this.#index.set(name, i);
  }

  get size(): number {
    return this.#index.size;
  }

  get(name: string): EntryDigest | undefined {
    const i = this.#index.get(name);
    return i === undefined ? undefined : this.#at(i);
  }

  has(name: string): boolean {
    return this.#index.has(name);
  }

  forEach(fn: (value: EntryDigest, key: string, map: ReadonlyMap<string, EntryDigest>) => void, thisArg?: unknown): void {
    for (const [name, i] of this.#index) fn.call(thisArg, this.#at(i), name, this);
  }

  // Iteration (tests, library callers) goes through a Map made for it: nothing in repair iterates.
  entries(): MapIterator<[string, EntryDigest]> {
    return this.#asMap().entries();
  }

  keys(): MapIterator<string> {
    return this.#index.keys();
  }

  values(): MapIterator<EntryDigest> {
    return this.#asMap().values();
  }

  [Symbol.iterator](): MapIterator<[string, EntryDigest]> {
    return this.entries();
  }

  #at(i: number): EntryDigest {
    return { hash: `sha256=${this.#bytes.toString('base64url', i * SHA256_BYTES, (i + 1) * SHA256_BYTES)}`, size: this.#sizes[i] ?? 0 };
  }

  #asMap(): Map<string, EntryDigest> {
    const out = new Map<string, EntryDigest>();
    for (const [name, i] of this.#index) out.set(name, this.#at(i));
    return out;
  }

  #grow(): void {
    const bytes = Buffer.alloc(this.#bytes.length * 2);
    bytes.set(this.#bytes);
    const sizes = new Float64Array(this.#sizes.length * 2);
    sizes.set(this.#sizes);
    this.#bytes = bytes;
    this.#sizes = sizes;
  }
}
