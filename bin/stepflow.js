#!/usr/bin/env node
// The `stepflow` command: runs the TypeScript CLI through tsx (no build step needed).
const path = require('node:path');
const { register } = require('tsx/cjs/api');

register({ tsconfig: path.join(__dirname, '..', 'tsconfig.json') });
const { run } = require('../local/cli/main.ts');

run(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`stepflow: ${err && err.stack ? err.stack : err}\n`);
    process.exitCode = 2;
  },
);
