// The SBOM document (spec §6.12, unit expectations §10.2): purl encoding, the exact compact text,
// no document without an owner, deterministic order, and Python `json.dumps` compatibility.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { InternalError } from '../../src/errors.js';
import type { PackageOwner } from '../../src/repair/package-owner.js';
import { buildSbom, purl, pythonJsonDumps, quotePurlPart, wheelPurl, type SbomInput } from '../../src/repair/sbom.js';
import { MET, needs, unmet } from '../helpers/requires.js';

const TOOL = { name: 'wheelaudit', version: '0.1.0' };
const sha = (s: string): string => createHash('sha256').update(s, 'utf8').digest('hex');

function input(grafted: SbomInput['grafted'], over: Partial<SbomInput> = {}): SbomInput {
  return { wheelName: 'testpackage', wheelVersion: '0.0.1', outputFilename: 'testpackage-0.0.1-py3-none-any.whl', tool: TOOL, grafted, ...over };
}

const deb = (name: string, version: string, distro = 'debian'): PackageOwner => ({ type: 'deb', distro, name, version });

describe('purl', () => {
  it.each<[[string, string, string, string], string]>([
    [['deb', 'ubuntu', 'python3', '3.10.6'], 'pkg:deb/ubuntu/python3@3.10.6'],
    [['DEB', 'debian', 'libffi8', '3.4.4-1'], 'pkg:deb/debian/libffi8@3.4.4-1'],
    [['deb', 'debian', 'libxml2', '2.9.14+dfsg-1.3~deb12u6'], 'pkg:deb/debian/libxml2@2.9.14%2Bdfsg-1.3~deb12u6'],
    [['deb', 'debian', 'libc6', '1:2.36-9'], 'pkg:deb/debian/libc6@1%3A2.36-9'],
    [['deb', 'debian', 'g++', '4:12.2.0-3'], 'pkg:deb/debian/g%2B%2B@4%3A12.2.0-3'],
    [['rpm', 'almalinux', 'lib/x', '1.0-1.el8'], 'pkg:rpm/almalinux/lib%2Fx@1.0-1.el8'],
    [['apk', 'alpine', 'musl-dev', '1.2.4_git20230717-r4'], 'pkg:apk/alpine/musl-dev@1.2.4_git20230717-r4'],
    [['c++.x-y', 'a b', "n!'()*", 'é'], "pkg:c++.x-y/a%20b/n%21%27%28%29%2A@%C3%A9"],
    [['deb', '', 'python3', '3.10.6'], 'pkg:deb/python3@3.10.6'],
  ])('%j -> %s', ([type, namespace, name, version], expected) => {
    expect(purl(type, namespace, name, version)).toBe(expected);
  });

  it.each(['', 'de b', 'deb/x', 'déb', 'deb:'])('rejects the package type %j', (type) => {
    expect(() => purl(type, 'debian', 'x', '1')).toThrow(InternalError);
    expect(() => purl(type, 'debian', 'x', '1')).toThrow(/not a valid purl type/);
  });

  it('quotes like urllib.parse.quote(safe="") (unreserved: letters, digits, _.-~)', () => {
    expect(quotePurlPart('AZaz09_.-~')).toBe('AZaz09_.-~');
    expect(quotePurlPart('+:/?#@%& ')).toBe('%2B%3A%2F%3F%23%40%25%26%20');
    expect(quotePurlPart('\u00ff\u{1f600}')).toBe('%C3%BF%F0%9F%98%80');
  });

  it('builds the wheel purl with a file_name qualifier', () => {
    expect(wheelPurl('testpackage', '0.0.1', 'testpackage-0.0.1-py3-none-any.whl')).toBe(
      'pkg:pypi/testpackage@0.0.1?file_name=testpackage-0.0.1-py3-none-any.whl',
    );
    expect(wheelPurl('my_pkg', '1.0+local', 'my_pkg-1.0+local-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl')).toBe(
      'pkg:pypi/my_pkg@1.0%2Blocal?file_name=my_pkg-1.0%2Blocal-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
    );
  });
});

describe('buildSbom', () => {
  it('matches the reference unit test (testpackage, `path` from deb python3 3.10.6 on ubuntu), byte for byte', () => {
    const text = buildSbom(input([{ sourcePath: 'path', owner: deb('python3', '3.10.6', 'ubuntu') }]));
    const w = 'pkg:pypi/testpackage@0.0.1?file_name=testpackage-0.0.1-py3-none-any.whl';
    const ref = 'pkg:deb/ubuntu/python3@3.10.6#a0af9f865bf637e6736817f4ce552e4cdf7b8c36ea75bc254c1d1f0af744b5bf';
    const wheel = `{"type": "library", "bom-ref": "${w}", "name": "testpackage", "version": "0.0.1", "purl": "${w}"}`;
    expect(text).toBe(
      `{"bomFormat": "CycloneDX", "specVersion": "1.4", "version": 1, ` +
        `"metadata": {"component": ${wheel}, "tools": [{"name": "wheelaudit", "version": "0.1.0"}]}, ` +
        `"components": [${wheel}, {"type": "library", "bom-ref": "${ref}", "name": "python3", "version": "3.10.6", "purl": "pkg:deb/ubuntu/python3@3.10.6"}], ` +
        `"dependencies": [{"ref": "${w}", "dependsOn": ["${ref}"]}, {"ref": "${ref}"}]}`,
    );
    expect(JSON.parse(text as string)).toEqual({
      bomFormat: 'CycloneDX',
      specVersion: '1.4',
      version: 1,
      metadata: {
        component: { type: 'library', 'bom-ref': w, name: 'testpackage', version: '0.0.1', purl: w },
        tools: [{ name: 'wheelaudit', version: '0.1.0' }],
      },
      components: [
        { type: 'library', 'bom-ref': w, name: 'testpackage', version: '0.0.1', purl: w },
        { type: 'library', 'bom-ref': ref, name: 'python3', version: '3.10.6', purl: 'pkg:deb/ubuntu/python3@3.10.6' },
      ],
      dependencies: [{ ref: w, dependsOn: [ref] }, { ref }],
    });
  });

  it('gives the spec example component for libffi on Debian 12 (hash of the unresolved path string)', () => {
    const text = buildSbom({
      wheelName: 'cffi',
      wheelVersion: '1.15.1',
      outputFilename: 'cffi-1.15.1-cp311-cp311-manylinux_2_34_x86_64.whl',
      tool: TOOL,
      grafted: [{ sourcePath: '/lib/x86_64-linux-gnu/libffi.so.8.1.2', owner: deb('libffi8', '3.4.4-1') }],
    }) as string;
    expect(text.startsWith(
      '{"bomFormat": "CycloneDX", "specVersion": "1.4", "version": 1, "metadata": {"component": {"type": "library", ' +
        '"bom-ref": "pkg:pypi/cffi@1.15.1?file_name=cffi-1.15.1-cp311-cp311-manylinux_2_34_x86_64.whl", ',
    )).toBe(true);
    const doc = JSON.parse(text) as { components: { 'bom-ref': string; purl: string }[] };
    expect(doc.components[1]).toEqual({
      type: 'library',
      'bom-ref': 'pkg:deb/debian/libffi8@3.4.4-1#7e70a04d55d66d2e6595df294c6f8670ee42d9ceff0811efc233b111c10221d2',
      name: 'libffi8',
      version: '3.4.4-1',
      purl: 'pkg:deb/debian/libffi8@3.4.4-1',
    });
    expect(text.endsWith('}')).toBe(true); // no final newline
    expect(text).not.toMatch(/\n/);
  });

  it('is undefined when no grafted file has an owner', () => {
    expect(buildSbom(input([]))).toBeUndefined();
    expect(buildSbom(input([{ sourcePath: '/opt/x/libx.so.1', owner: undefined }]))).toBeUndefined();
  });

  it('leaves out files without an owner and collapses duplicate paths', () => {
    const text = buildSbom(
      input([
        { sourcePath: '/opt/x/libx.so.1', owner: undefined },
        { sourcePath: '/usr/lib/a.so', owner: deb('a', '1') },
        { sourcePath: '/usr/lib/a.so', owner: deb('a', '1') },
      ]),
    ) as string;
    const doc = JSON.parse(text) as { components: unknown[]; dependencies: unknown[] };
    expect(doc.components).toHaveLength(2);
    expect(doc.dependencies).toHaveLength(2);
  });

  it('keeps one component per owned file, so two files of one package give two bom-refs', () => {
    const doc = JSON.parse(
      buildSbom(input([
        { sourcePath: '/usr/lib/libicuuc.so.72', owner: deb('libicu72', '72.1-3') },
        { sourcePath: '/usr/lib/libicudata.so.72', owner: deb('libicu72', '72.1-3') },
      ])) as string,
    ) as { components: { 'bom-ref': string; purl: string }[] };
    const libs = doc.components.slice(1);
    expect(libs.map((c) => c.purl)).toEqual(['pkg:deb/debian/libicu72@72.1-3', 'pkg:deb/debian/libicu72@72.1-3']);
    expect(new Set(libs.map((c) => c['bom-ref'])).size).toBe(2);
  });

  it('is deterministic: library components and dependsOn sorted by bom-ref whatever the input order', () => {
    const grafted = [
      { sourcePath: '/usr/lib/x86_64-linux-gnu/libz.so.1.2.13', owner: deb('zlib1g', '1:1.2.13.dfsg-1') },
      { sourcePath: '/usr/lib/x86_64-linux-gnu/libffi.so.8.1.2', owner: deb('libffi8', '3.4.4-1') },
      { sourcePath: '/usr/lib/x86_64-linux-gnu/libxml2.so.2.9.14', owner: deb('libxml2', '2.9.14+dfsg-1.3~deb12u1') },
      { sourcePath: '/usr/lib/x86_64-linux-gnu/libicuuc.so.72.1', owner: deb('libicu72', '72.1-3') },
      { sourcePath: '/usr/lib/x86_64-linux-gnu/libicudata.so.72.1', owner: deb('libicu72', '72.1-3') },
    ];
    const texts = new Set<string>();
    for (let seed = 0; seed < 10; seed++) {
      const shuffled = [...grafted].sort((a, b) => sha(`${seed}${a.sourcePath}`).localeCompare(sha(`${seed}${b.sourcePath}`)));
      texts.add(buildSbom(input(shuffled)) as string);
    }
    expect(texts.size).toBe(1);
    const doc = JSON.parse([...texts][0] as string) as {
      components: { 'bom-ref': string }[];
      dependencies: { ref: string; dependsOn?: string[] }[];
    };
    const refs = doc.components.slice(1).map((c) => c['bom-ref']);
    expect(refs).toEqual([...refs].sort());
    expect(refs[0]?.startsWith('pkg:deb/debian/libffi8@3.4.4-1#')).toBe(true);
    expect(doc.dependencies[0]?.dependsOn).toEqual(refs);
    expect(doc.dependencies.slice(1)).toEqual(refs.map((ref) => ({ ref })));
    expect(doc.dependencies).toHaveLength(doc.components.length);
  });

  it('hashes the path string as given (UTF-8)', () => {
    const p = '/usr/lib/bibliothèque/libé.so';
    const doc = JSON.parse(buildSbom(input([{ sourcePath: p, owner: deb('x', '1') }])) as string) as { components: { 'bom-ref': string }[] };
    expect(doc.components[1]?.['bom-ref']).toBe(`pkg:deb/debian/x@1#${sha(p)}`);
  });

  it('escapes like json.dumps with ensure_ascii', () => {
    expect(pythonJsonDumps({ a: 'é"\\\n\t\u0001\u007f\u{1f600}', b: [1, true, null], c: {}, d: [] })).toBe(
      '{"a": "\\u00e9\\"\\\\\\n\\t\\u0001\\u007f\\ud83d\\ude00", "b": [1, true, null], "c": {}, "d": []}',
    );
    expect(() => pythonJsonDumps(1.5)).toThrow(InternalError);
  });

  const python = spawnSync('python3', ['-c', 'import json'], { encoding: 'utf8' });
  it('agrees with python3 json.dumps (differential)', needs(python.error === undefined && python.status === 0 ? MET : unmet('needs python3 (Debian package python3)')), () => {
    const text = buildSbom({
      wheelName: 'pkg_é',
      wheelVersion: '1.0+ü',
      outputFilename: 'pkg_é-1.0+ü-cp312-cp312-linux_x86_64.whl',
      tool: { name: 'wheel"audit\\', version: '0.1.0\u007f' },
      grafted: [
        { sourcePath: '/usr/lib/libß.so', owner: { type: 'apk', distro: 'alpine', name: 'naïve-😀', version: '1.0-r0' } },
        { sourcePath: '/usr/lib/libt\tab.so', owner: { type: 'rpm', distro: 'rocky', name: 'tab\u0001', version: '1-2.el9' } },
      ],
    }) as string;
    const r = spawnSync('python3', ['-c', 'import json,sys; sys.stdout.write(json.dumps(json.loads(sys.stdin.read())))'], {
      input: text,
      encoding: 'utf8',
    });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe(text);
  });
});
