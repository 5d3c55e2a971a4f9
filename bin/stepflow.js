#!/usr/bin/env node
// The `stepflow` command: runs the TypeScript CLI through tsx (no build step needed).
const path = require('node:path');
const { register } = require('tsx/cjs/api');

// The SDK's notice about Node 22 concerns its releases after January 2027 (Lambda runs
// nodejs22.x); on a developer's machine it only hides the platform's own output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

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
