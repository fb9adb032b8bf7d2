// The package version, from the package's own package.json (embedded in the single-file build).
import { readPackageFile } from '../util/package-files.js';

export function packageVersion(): string {
  const pkg: unknown = JSON.parse(readPackageFile('package.json'));
  return typeof pkg === 'object' && pkg !== null && 'version' in pkg && typeof pkg.version === 'string' ? pkg.version : '0.0.0';
}
