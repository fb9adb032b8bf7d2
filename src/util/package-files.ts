// Files that ship inside the package (package.json, policies/*.json), read by their path
// relative to the package root. This is the one module that reads files next to the code:
// the single-file build (scripts/bundle.mjs) swaps it for one holding the same files as
// strings, so `wheelaudit.mjs` reads nothing relative to itself.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** dist/util/ (or src/util/ under the test runner) is two levels below the package root. */
function urlOf(rel: string): URL {
  return new URL(`../../${rel}`, import.meta.url);
}

/**
 * The package file `rel` (e.g. `policies/manylinux.json`) as UTF-8 text.
 * Throws the file system's error when the file is missing or unreadable.
 */
export function readPackageFile(rel: string): string {
  return readFileSync(urlOf(rel), 'utf8');
}

/** Where the package file `rel` is, for messages. */
export function packageFilePath(rel: string): string {
  return fileURLToPath(urlOf(rel));
}
