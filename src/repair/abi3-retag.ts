// Pure: what repair does to a `cp3X-abi3` wheel whose ELF files need a newer stable ABI
// (decideAbi3's 'raise'): the python tag becomes the version they need (`cp38` -> `cp312`), in
// the file name and in every WHEEL `Tag` whose abi is abi3, so pip installs the wheel only
// where it can load.
import type { WheelMetadata } from '../wheel/metadata.js';
import type { WheelName } from '../wheel/name.js';

/** The wheel name with its python tag set replaced by `tag`. */
export function withPythonTag(name: WheelName, tag: string): WheelName {
  const parts = name.filename.slice(0, -'.whl'.length).split('-');
  parts[parts.length - 3] = tag;
  return { ...name, filename: `${parts.join('-')}.whl`, pythonTags: [tag] };
}

/** WHEEL with the python part of every `<py>-abi3-<plat>` tag replaced by `tag` (duplicates dropped). */
export function withAbi3PythonTag(m: WheelMetadata, tag: string): WheelMetadata {
  const seen = new Set<string>();
  const headers: (readonly [string, string])[] = [];
  for (const [n, v] of m.headers) {
    if (n.toLowerCase() !== 'tag') {
      headers.push([n, v]);
      continue;
    }
    const [, abi, ...plat] = v.split('-');
    const value = abi?.toLowerCase() === 'abi3' ? [tag, abi, ...plat].join('-') : v;
    if (seen.has(value)) continue;
    seen.add(value);
    headers.push([n, value]);
  }
  return m.body === undefined ? { headers } : { headers, body: m.body };
}
