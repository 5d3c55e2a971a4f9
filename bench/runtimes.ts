/**
 * bench/runtimes: for every Lambda handler (functions/<name>/handler.ts: node runtimes and API
 * functions), the minified esbuild
 * bundle size (AWS SDK v3 external, as the nodejs22.x runtime provides it, and bundled) and the
 * cold module-init time: a fresh Node process loads the bundle and times the require, median of
 * several runs. Targets: at most 400 KB and 80 ms each.
 *
 *   npm run bench:runtimes
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { bundleHandler } from '../functions/_shared/bundle';

const root = path.resolve(__dirname, '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const out = mkdtempSync(path.join(tmpdir(), 'stepflow-bench-'));

const handlers = readdirSync(path.join(root, 'functions'))
  .filter((d) => !d.startsWith('_'))
  .filter((d) => {
    try {
      return statSync(path.join(root, 'functions', d, 'handler.ts')).isFile();
    } catch {
      return false;
    }
  })
  .sort();

async function bundle(name: string, sdkExternal: boolean): Promise<string> {
  const file = path.join(out, name, sdkExternal ? 'index.cjs' : 'full.cjs');
  await bundleHandler({ entry: path.join(root, 'functions', name, 'handler.ts'), outfile: file, bundleSdk: !sdkExternal, tsconfig: path.join(root, 'tsconfig.json') });
  return file;
}

const env = {
  PATH: process.env.PATH ?? '',
  AWS_REGION: 'us-east-1',
  AWS_ACCESS_KEY_ID: 'bench',
  AWS_SECRET_ACCESS_KEY: 'bench',
  AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
  TABLE_NAME: 'stepflow-bench',
  ARTIFACTS_BUCKET: 'stepflow-bench',
  EVENT_BUS_NAME: 'stepflow-bench',
  MODEL_MODE: 'local',
  // The API functions' configuration (values only need to be well-formed for module init).
  USER_POOL_ID: 'us-east-1_Bench0001',
  USER_POOL_CLIENT_ID: 'benchclient',
  STATE_MACHINE_ROLE_ARN: 'arn:aws:iam::123456789012:role/stepflow-bench',
  RUNTIME_FUNCTION_ARNS: JSON.stringify({ llm: 'arn:aws:lambda:us-east-1:123456789012:function:llm' }),
  AWS_ACCOUNT_ID: '123456789012',
  POWERTOOLS_LOG_LEVEL: 'SILENT',
  NODE_PATH: path.join(root, 'node_modules'),
};

function initMs(file: string): number {
  const probe = path.join(out, 'probe.cjs');
  writeFileSync(probe, `const t=process.hrtime.bigint();require(${JSON.stringify(file)});process.stdout.write(String(Number(process.hrtime.bigint()-t)/1e6));`);
  const times: number[] = [];
  for (let i = 0; i < RUNS; i += 1) times.push(Number(execFileSync(process.execPath, [probe], { env, cwd: out }).toString()));
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)] as number;
}

async function main() {
const rows = [];
for (const name of handlers) {
  const lean = await bundle(name, true);
  const full = await bundle(name, false);
  // SDK external: the SDK resolves from node_modules (NODE_PATH), as the nodejs22.x runtime provides it.
  rows.push({ name, kb: statSync(lean).size / 1024, fullKb: statSync(full).size / 1024, initMs: initMs(lean), fullInitMs: initMs(full) });
}
console.log(`handler bundles (esbuild, minified, node22, functions/_shared/bundle.ts) and cold module init (median of ${RUNS} fresh processes on ${process.version})\n`);
console.log(`${'handler'.padEnd(18)} ${'bundle'.padStart(9)} ${'init'.padStart(9)}   ${'+SDK bundled'.padStart(12)} ${'init'.padStart(9)}   deployed form vs target <= 400 KB, <= 80 ms`);
for (const r of rows) {
  const ok = r.kb <= 400 && r.initMs <= 80 ? 'ok' : 'OVER';
  console.log(`${r.name.padEnd(18)} ${`${r.kb.toFixed(0)} KB`.padStart(9)} ${`${r.initMs.toFixed(1)} ms`.padStart(9)}   ${`${r.fullKb.toFixed(0)} KB`.padStart(12)} ${`${r.fullInitMs.toFixed(1)} ms`.padStart(9)}   ${ok}`);
}
console.log(`\nBENCH_JSON ${JSON.stringify({ bench: 'runtimes', node: process.version, runs: RUNS, handlers: rows.map((r) => ({ handler: r.name, bundleKb: Number(r.kb.toFixed(1)), initMs: Number(r.initMs.toFixed(2)), bundleKbSdkBundled: Number(r.fullKb.toFixed(1)), initMsSdkBundled: Number(r.fullInitMs.toFixed(2)) })) })}`);
rmSync(out, { recursive: true, force: true });
}

void main();
