// Shared by the zip and CRC tests: bytes that deflate poorly, and the error a promise rejects with.

/** A deterministic xorshift32 stream started at `seed`: each call gives the next unsigned 32-bit value. */
export function xorshift(seed: number): () => number {
  let x = seed;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return x >>> 0;
  };
}

/** `n` deterministic bytes from a xorshift stream started at `seed`: they deflate poorly. */
export function noise(n: number, seed: number): Uint8Array {
  const out = new Uint8Array(n);
  const next = xorshift(seed);
  for (let i = 0; i < n; i++) out[i] = next() & 0xff;
  return out;
}

/** What `p` rejects with; throws when it resolves instead. */
export async function rejection(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}
