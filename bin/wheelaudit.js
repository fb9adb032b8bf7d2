#!/usr/bin/env node
// Shim: the program lives in dist/cli/main.js (built by `npm run build`). Worker threads that
// read wheel entries run the module holding this file too (the single-file build has no other),
// so the command runs only on the main thread.
import { isMainThread } from 'node:worker_threads';
import { run } from '../dist/cli/main.js';

if (isMainThread) process.exitCode = await run(process.argv.slice(2));
