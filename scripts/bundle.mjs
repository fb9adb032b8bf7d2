#!/usr/bin/env node
// `npm run bundle`: the compiled CLI (dist/, from `npm run build`) and its dependencies as one
// self-contained ES module, dist/wheelaudit.mjs, runnable as `node wheelaudit.mjs ...` with no
// node_modules and nothing read from beside it. The one module that reads package files
// (dist/util/package-files.js) is replaced by one holding those files as strings; the licences
// of the bundled packages are appended as a comment. Output is byte-identical for equal input.
import { readFileSync, readdirSync, statSync, writeFileSync, chmodSync, renameSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { rolldown } from 'rolldown';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const DIST = path.join(ROOT, 'dist');
/** `--out FILE` writes the bundle elsewhere (tests put it in a scratch directory). */
const outAt = process.argv.indexOf('--out');
const OUT = outAt > 0 && process.argv[outAt + 1] !== undefined ? path.resolve(process.argv[outAt + 1]) : path.join(DIST, 'wheelaudit.mjs');
const ENTRY = path.join(ROOT, 'bin', 'wheelaudit.js');
const PACKAGE_FILES_MODULE = path.join(DIST, 'util', 'package-files.js');
/** `readFileSync(new URL('<relative path>', import.meta.url), 'utf8')` in compiled code. */
const SIBLING_READ = /readFileSync\(new URL\((['"])(\.{1,2}\/[^'"]+)\1, import\.meta\.url\), (?:'utf8'|"utf8"|'utf-8'|"utf-8")\)/;
/** Folders whose .json files the program reads at run time through readPackageFile(). */
const DATA_DIRS = ['policies', 'data'];

function fail(message) {
  process.stderr.write(`bundle: ${message}\n`);
  process.exit(1);
}

/** Every file the package may read at run time, by its path relative to the package root. */
function packageFiles() {
  const files = new Map();
  const pkg = JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
  // Only what the program asks package.json for (its name and version), so the bundle does not
  // change when scripts or dependencies do.
  files.set('package.json', `${JSON.stringify({ name: pkg.name, version: pkg.version }, null, 2)}\n`);
  const walk = (rel) => {
    const abs = path.join(ROOT, rel);
    let names;
    try {
      names = readdirSync(abs).sort();
    } catch {
      return;
    }
    for (const name of names) {
      const childRel = `${rel}/${name}`;
      if (statSync(path.join(ROOT, childRel)).isDirectory()) walk(childRel);
      else if (name.endsWith('.json')) files.set(childRel, readFileSync(path.join(ROOT, childRel), 'utf8'));
    }
  };
  for (const dir of DATA_DIRS) walk(dir);
  return files;
}

/** The replacement for dist/util/package-files.js: same exports, data from memory. */
function embeddedModule(files) {
  const entries = [...files].map(([rel, text]) => `  [${JSON.stringify(rel)}, ${JSON.stringify(text)}],`).join('\n');
  return `// Package files embedded by scripts/bundle.mjs (the single-file build reads nothing from disk).
const FILES = new Map([
${entries}
]);
export function readPackageFile(rel) {
  const text = FILES.get(rel);
  if (text === undefined) {
    const error = new Error(\`\${rel}: not embedded in the single-file build\`);
    error.code = 'ENOENT';
    throw error;
  }
  return text;
}
export function packageFilePath(rel) {
  return \`(embedded in wheelaudit.mjs) \${rel}\`;
}
`;
}

/** The package a bundled file under node_modules belongs to, as its directory. */
function packageDirOf(id) {
  const parts = id.split(path.sep);
  const i = parts.lastIndexOf('node_modules');
  if (i < 0) return undefined;
  const scoped = parts[i + 1]?.startsWith('@');
  return parts.slice(0, i + (scoped ? 3 : 2)).join(path.sep);
}

function licenceText(dir) {
  const name = readdirSync(dir)
    .sort()
    .find((n) => /^(licen[cs]e|copying)(\.|$)/i.test(n));
  return name === undefined ? undefined : readFileSync(path.join(dir, name), 'utf8').trim();
}

async function main() {
  for (const need of [ENTRY, PACKAGE_FILES_MODULE]) {
    try {
      statSync(need);
    } catch {
      fail(`${path.relative(ROOT, need)} is missing: run \`npm run build\` first`);
    }
  }
  const files = packageFiles();
  const embedded = embeddedModule(files);
  // The replacement must offer exactly the real module's exports.
  const real = Object.keys(await import(PACKAGE_FILES_MODULE)).sort();
  const offered = [...embedded.matchAll(/^export function (\w+)/gm)].map((m) => m[1]).sort();
  if (real.join() !== offered.join()) fail(`package-files exports ${real.join(', ')} but the embedded module offers ${offered.join(', ')}`);

  const bundled = new Set();
  const build = await rolldown({
    input: ENTRY,
    platform: 'node',
    logLevel: 'warn',
    plugins: [
      {
        name: 'wheelaudit-embed-package-files',
        load(id) {
          if (id === PACKAGE_FILES_MODULE) return embedded;
          const dir = packageDirOf(id);
          if (dir !== undefined) bundled.add(dir);
          return null;
        },
        // A module that reads a data file next to itself, `readFileSync(new URL('./x.json',
        // import.meta.url), 'utf8')`, gets the file's text in its place.
        transform(code, id) {
          if (!id.startsWith(DIST) || !SIBLING_READ.test(code)) return null;
          return code.replace(new RegExp(SIBLING_READ.source, 'g'), (_all, _q, rel) => {
            const file = path.resolve(path.dirname(id), rel);
            try {
              return JSON.stringify(readFileSync(file, 'utf8'));
            } catch {
              fail(`${path.relative(ROOT, id)} reads ${rel}, which is missing (${path.relative(ROOT, file)})`);
            }
          });
        },
      },
    ],
  });
  const { output } = await build.generate({ format: 'es', codeSplitting: false, comments: { legal: false } });
  await build.close();
  const chunks = output.filter((o) => o.type === 'chunk');
  if (chunks.length !== 1 || output.length !== 1) fail(`expected one output file, got ${output.map((o) => o.fileName).join(', ')}`);

  const pkg = JSON.parse(files.get('package.json'));
  const licences = [...bundled]
    .map((dir) => {
      const meta = JSON.parse(readFileSync(path.join(dir, 'package.json'), 'utf8'));
      const text = licenceText(dir) ?? `License: ${meta.license ?? 'unknown'}`;
      return { id: `${meta.name}@${meta.version}`, text };
    })
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  let code = chunks[0].code.replace(/^#![^\n]*\n/, '');
  // Nothing may be read relative to the bundle: import.meta.url serves only createRequire
  // (for Node's built-in modules in bundled CommonJS code) and `new URL(import.meta.url)`, the
  // bundle itself, which the entry worker threads run (src/analyze/entry-pool.ts).
  const relative = code.split('\n').filter((l) => l.includes('import.meta') && !/createRequire\(import\.meta\.url\)|new URL\(import\.meta\.url\)/.test(l));
  if (relative.length > 0) fail(`the bundle would read files relative to itself:\n${relative.join('\n')}\n(read package files through src/util/package-files.ts)`);
  const header = `#!/usr/bin/env node\n// wheelaudit ${pkg.version}, single-file build (npm run bundle). Licences of the bundled packages are at the end.\n`;
  const footer = `\n/*\n * Bundled packages and their licences:\n${licences
    .map((l) => ` *\n * ${l.id}\n *\n${l.text
      .replace(/\*\//g, '* /')
      .split('\n')
      .map((line) => ` * ${line}`.trimEnd())
      .join('\n')}`)
    .join('\n')}\n */\n`;
  code = header + code + footer;

  const tmp = `${OUT}.${process.pid}.tmp`;
  writeFileSync(tmp, code);
  chmodSync(tmp, 0o755);
  renameSync(tmp, OUT);
  // On stderr: `npm pack --json` prints its JSON on stdout, where lifecycle scripts write too.
  process.stderr.write(`bundle: wrote ${path.relative(process.cwd(), OUT)} (${(code.length / 1024).toFixed(0)} KiB; ${licences.map((l) => l.id).join(', ')})\n`);
}

await main();
