// Usage errors commander finds itself (an unknown option, a missing or extra argument) stop
// the run before a command's action starts; under `show --json` or `check --format json`
// they must still print the one JSON document every other failure of those commands prints
// (auditwheel's error object for `show`, the check schema's error form for `check`). This
// module reads the raw arguments for that, knowing which options take a value.
import path from 'node:path';
import type { Command } from 'commander';
import { checkJsonError } from './render/check-json.js';
import { pyJsonDumps } from './render/pyjson.js';

/** The options and positional arguments given to `cmd`, read as commander would. */
interface Scanned {
  readonly values: ReadonlyMap<string, string | true>;
  readonly positionals: readonly string[];
}

function scan(cmd: Command, args: readonly string[]): Scanned {
  const takesValue = new Set<string>();
  for (const o of cmd.options) {
    if (!o.required && !o.optional) continue;
    if (o.long !== undefined) takesValue.add(o.long);
    if (o.short !== undefined) takesValue.add(o.short);
  }
  const values = new Map<string, string | true>();
  const positionals: string[] = [];
  for (let i = 0; i < args.length; i++) {
    const a = args[i] as string;
    if (a === '--') {
      positionals.push(...args.slice(i + 1));
      break;
    }
    if (!a.startsWith('-') || a === '-') {
      positionals.push(a);
      continue;
    }
    const eq = a.indexOf('=');
    if (a.startsWith('--') && eq > 0) values.set(a.slice(0, eq), a.slice(eq + 1));
    else if (takesValue.has(a) && i + 1 < args.length) values.set(a, args[++i] as string);
    else values.set(a, true);
  }
  return { values, positionals };
}

/**
 * The JSON document to print on stdout for a usage error `message` found while parsing
 * `argv` (without node and script), or undefined when the command line asked for no JSON.
 */
export function usageErrorJson(program: Command, argv: readonly string[], message: string): string | undefined {
  const at = argv.findIndex((a) => !a.startsWith('-'));
  if (at < 0) return undefined;
  const cmd = program.commands.find((c) => c.name() === argv[at]);
  if (cmd === undefined) return undefined;
  const { values, positionals } = scan(cmd, argv.slice(at + 1));
  if (cmd.name() === 'show' && values.get('--json') === true) {
    return `${pyJsonDumps({ version: 1, wheel: path.basename(positionals[0] ?? ''), error: message })}\n`;
  }
  if (cmd.name() === 'check' && values.get('--format') === 'json') return `${pyJsonDumps(checkJsonError('USAGE', message))}\n`;
  return undefined;
}
