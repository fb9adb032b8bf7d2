#!/usr/bin/env node
// Shim: the program lives in dist/cli/main.js (built by `npm run build`).
import { run } from '../dist/cli/main.js';

process.exitCode = await run(process.argv.slice(2));
