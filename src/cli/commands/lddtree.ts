// `wheelaudit lddtree FILE`: the resolved dependency tree of one ELF file, as JSON on stdout
// (the reference logs it on stderr; --log-format restores that shape for old scripts).
import type { Command } from 'commander';
import { HostFs } from '../../analyze/host-fs.js';
import { lddtree } from '../../analyze/lddtree.js';
import { readFileSync } from 'node:fs';
import { parseElf } from '../../elf/index.js';
import { describeError, ElfFormatError, IoError } from '../../errors.js';
import { ldEnvironment, printLogs, requireFile, sysrootOption, type CliContext } from '../context.js';
import { lddtreeJson } from '../render/lddtree-json.js';
import { pyJsonDumps } from '../render/pyjson.js';
import type { LogRecord } from '../../analyze/report.js';

interface LddtreeOptions {
  ldpaths?: string;
  sysroot?: string;
  logFormat?: boolean;
}

export function registerLddtree(program: Command, ctx: CliContext, setExit: (code: number) => void): void {
  program
    .command('lddtree')
    .description('Analyze a single ELF file (similar to ``ldd``).')
    .argument('<file>', 'path to an ELF file')
    .option('--ldpaths <PATHS>', 'colon-separated directories to search for libraries, replacing the system ones')
    .option('--sysroot <DIR>', 'look libraries up inside DIR')
    .option('--log-format', "print on stderr behind 'INFO:auditwheel.main_lddtree:', as auditwheel does")
    .action((file: string, opts: LddtreeOptions) => {
      setExit(runLddtree(ctx, file, opts));
    });
}

export function runLddtree(ctx: CliContext, file: string, opts: LddtreeOptions): number {
  const abs = requireFile(ctx, file, 'an ELF file');
  const logs: LogRecord[] = [];
  const root = sysrootOption(ctx, opts.sysroot);
  const hostFs = new HostFs(root);
  let bytes: Uint8Array;
  try {
    bytes = new Uint8Array(readFileSync(abs));
  } catch (e) {
    throw new IoError(`cannot read ${file}: ${describeError(e)}`, { cause: e });
  }
  try {
    // Parse up front so a bad file gets its own error code and message, naming the file.
    parseElf(bytes);
  } catch (e) {
    if (e instanceof ElfFormatError) throw new ElfFormatError(e.code, `${file}: ${e.message}`, { cause: e });
    throw e;
  }
  const tree = lddtree(
    abs,
    {
      fs: hostFs,
      root,
      cwd: ctx.cwd,
      env: ldEnvironment(ctx.env),
      ldpaths: opts.ldpaths,
      exclude: [],
      log: (level, message) => logs.push({ level, message }),
    },
    file,
  );
  // Candidates skipped on the way say why, so a library shown as not found is explained.
  for (const n of hostFs.notes) logs.push({ level: 'warning', message: `skipped ${n.path}: ${describeError(new Error(n.message))}` });
  printLogs(ctx, logs);
  const json = pyJsonDumps(lddtreeJson({ ...tree, realpath: file }));
  if (opts.logFormat === true) ctx.err(`INFO:auditwheel.main_lddtree:${json}\n`);
  else ctx.out(`${json}\n`);
  return 0;
}
