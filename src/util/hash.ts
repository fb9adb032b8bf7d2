// Hashes used by wheels: RECORD digests (PEP 376/427: sha256, urlsafe base64, no padding)
// and the short content hash that names grafted libraries.
import { createHash, type Hash } from 'node:crypto';

export function sha256(data: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha256').update(data).digest());
}

export function sha256Hex(data: Uint8Array | string): string {
  return createHash('sha256').update(data).digest('hex');
}

/** `sha256=<urlsafe-b64 without padding>` as written in RECORD. */
export function recordDigest(data: Uint8Array): string {
  return recordDigestOf(createHash('sha256').update(data));
}

/** The RECORD digest of a SHA-256 fed piece by piece (finishes `hash`). */
export function recordDigestOf(hash: Hash): string {
  return `sha256=${urlsafeB64NoPad(hash.digest())}`;
}

export function urlsafeB64NoPad(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength)
    .toString('base64')
    .replace(/\+/g, '-')
    .replace(/\//g, '_')
    .replace(/=+$/, '');
}
