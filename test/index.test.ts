// The library's declared surface (src/index.ts), read with the TypeScript compiler from the
// built dist/index.d.ts (`npm test` builds first; the package ships these files): every type
// that an exported function, class, constant or type mentions (and, in turn, every type those
// mention) is itself exported, so a user can name it; and every export carries a TSDoc
// comment. A new type in a public signature fails here until src/index.ts exports it.
import path from 'node:path';
import ts from 'typescript';
import { beforeAll, describe, expect, it } from 'vitest';
import { REPO } from './helpers/corpus.js';

let program: ts.Program;
let checker: ts.TypeChecker;
let exports: ts.Symbol[];
let distDir: string;

beforeAll(() => {
  distDir = path.join(REPO, 'dist') + path.sep;
  const entry = path.join(distDir, 'index.d.ts');
  program = ts.createProgram([entry], {
    target: ts.ScriptTarget.ES2022,
    module: ts.ModuleKind.NodeNext,
    moduleResolution: ts.ModuleResolutionKind.NodeNext,
    strict: true,
    noEmit: true,
    skipLibCheck: true,
    types: [],
  });
  checker = program.getTypeChecker();
  const source = program.getSourceFile(entry);
  const moduleSymbol = source === undefined ? undefined : checker.getSymbolAtLocation(source);
  if (moduleSymbol === undefined) throw new Error(`cannot load ${entry}`);
  exports = checker.getExportsOfModule(moduleSymbol);
});

function original(symbol: ts.Symbol): ts.Symbol {
  return (symbol.flags & ts.SymbolFlags.Alias) !== 0 ? checker.getAliasedSymbol(symbol) : symbol;
}

/** Declared in the package's own dist/ (not in Node's or a dependency's types). */
function isPackageSymbol(symbol: ts.Symbol): boolean {
  return (symbol.declarations ?? []).some((d) => d.getSourceFile().fileName.startsWith(distDir));
}

/** The named types a declaration mentions: type references and `extends`/`implements` targets. */
function referencedTypes(decl: ts.Node): ts.Symbol[] {
  const found: ts.Symbol[] = [];
  const visit = (node: ts.Node): void => {
    let name: ts.Node | undefined;
    if (ts.isTypeReferenceNode(node)) name = node.typeName;
    else if (ts.isExpressionWithTypeArguments(node)) name = node.expression;
    if (name !== undefined) {
      const s = checker.getSymbolAtLocation(name);
      if (s !== undefined) found.push(original(s));
    }
    ts.forEachChild(node, visit);
  };
  visit(decl);
  return found.filter((s) => (s.flags & ts.SymbolFlags.TypeParameter) === 0);
}

describe('library API types', () => {
  it('exports audit, repair and the building blocks', () => {
    const names = exports.map((s) => s.name);
    for (const n of ['audit', 'repair', 'auditWheel', 'repairWheel', 'AuditReport', 'Finding', 'RepairOutcome', 'WheelauditError']) expect(names).toContain(n);
  });

  it('exports every type that appears in an exported signature, transitively', () => {
    const exported = new Set(exports.map(original));
    const missing = new Map<string, string>();
    const seen = new Set<ts.Symbol>();
    const queue = [...exported];
    while (queue.length > 0) {
      const symbol = queue.shift() as ts.Symbol;
      if (seen.has(symbol)) continue;
      seen.add(symbol);
      for (const decl of symbol.declarations ?? []) {
        for (const ref of referencedTypes(decl)) {
          if (!isPackageSymbol(ref)) continue;
          if (!exported.has(ref) && !missing.has(ref.name)) missing.set(ref.name, `${ref.name} (used by ${symbol.name})`);
          queue.push(ref);
        }
      }
    }
    expect([...missing.values()].sort()).toEqual([]);
  });

  it('documents every export with TSDoc', () => {
    const undocumented = exports
      .filter((s) => ts.displayPartsToString(original(s).getDocumentationComment(checker)).trim() === '')
      .map((s) => s.name)
      .sort();
    expect(undocumented).toEqual([]);
  });
});
