/**
 * bench/runtimes: for every Lambda handler (functions/<name>/handler.ts: node runtimes and API
 * functions), the minified esbuild bundle size and the cold-start cost, measured in fresh Node
 * processes (median of BENCH_RUNS, default 9, with the min-max spread):
 *
 * - `KB ext` / `KB sdk`: what init compiles (index.cjs and any lazy-*.cjs it requires during
 *   init) with the AWS SDK v3 left external (resolved from node_modules, as the nodejs22.x
 *   runtime provides it) and with the SDK bundled in (see functions/_shared/bundle.ts);
 *   `+lazy`: the lazy-*.cjs files left for first use. Source maps are not counted in KB.
 * - `init`: loading the handler module (Lambda's INIT phase).
 * - `cold`: init plus a first invocation in the same process with a minimal valid payload on the
 *   handler's common path, against a local stub of the AWS APIs (DynamoDB, EventBridge), so work
 *   deferred from init to first use is counted, not hidden.
 *
 * What runs is what NodeFunction deploys: the code directory bundle.ts writes, with its source
 * map (read on the first stack trace, not at init: see functions/_shared/stack-traces.ts), with
 * NodeFunction's environment and Lambda's tracing environment (a function name, a task root and
 * a sampled trace header: Powertools' tracer is enabled and traces the first invocation as on
 * AWS; segments go to a UDP port on the loopback address that nothing reads). Differences from
 * AWS: Node is this machine's (the runtime is nodejs22.x on arm64 with 512 MB), and
 * POWERTOOLS_LOG_LEVEL is SILENT instead of INFO (the probe's stdout carries its figures).
 *
 * Targets for the node runtimes: at most 400 KB and 80 ms of init each.
 *
 *   npm run bench:runtimes               # the table
 *   npm run bench:runtimes -- --top 12   # and what weighs most in each deployed bundle
 *   npm run bench:runtimes -- run-tool   # only some handlers
 */
import { execFile } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import { mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import type { Metafile } from 'esbuild';
import { bundleHandler, DEFAULT_BUNDLE_SDK } from '../functions/_shared/bundle';

const run = promisify(execFile);
const root = path.resolve(__dirname, '..');
const RUNS = Number(process.env.BENCH_RUNS ?? 9);
const args = process.argv.slice(2);
const topIndex = args.indexOf('--top');
const TOP = topIndex >= 0 ? Number(args[topIndex + 1] ?? 10) : 0;
const only = args.filter((a, i) => !a.startsWith('--') && (topIndex < 0 || i !== topIndex + 1));
const out = mkdtempSync(path.join(tmpdir(), 'stepflow-bench-'));

const handlers = readdirSync(path.join(root, 'functions'))
  .filter((d) => !d.startsWith('_'))
  .filter((d) => only.length === 0 || only.includes(d))
  .filter((d) => {
    try {
      return statSync(path.join(root, 'functions', d, 'handler.ts')).isFile();
    } catch {
      return false;
    }
  })
  .sort();

const execution = { id: 'arn:aws:states:us-east-1:123456789012:execution:bench:run-1', name: 'run-1' };
const workflow = { id: 'wf-bench', name: 'bench' };
const apiRequest = {
  version: '2.0',
  rawPath: '/workflows',
  headers: { 'x-api-key': 'sf_bench_unknown_key_0000000000000000' },
  requestContext: { http: { method: 'GET' }, requestId: 'bench', stage: '$default' },
};

/**
 * A minimal valid first invocation per handler, on its common path and with no network beyond
 * the local AWS stub: DynamoDB and EventBridge calls are answered; models are the local model
 * (MODEL_MODE=local), tools the calculator, code a one-line sandboxed function.
 */
const firstEvent: Record<string, unknown> = {
  'transform-data': { execution, workflow, node: { id: 'sum', type: 'transform' }, config: { mode: 'jsonata', expression: '$sum(inputs.n)', inputs: { n: [1, 2, 3] } } },
  'record-callback': { execution, workflow, node: { id: 'gate', type: 'wait' }, config: {}, taskToken: 'bench-token', callback: 'pause' },
  'request-input': { execution, workflow, node: { id: 'ask', type: 'human_input' }, config: { prompt: 'Approve?', inputSchema: { type: 'object', properties: { ok: { type: 'boolean' } } } }, taskToken: 'bench-token', callback: 'human_input' },
  'run-code': { execution, workflow, node: { id: 'code', type: 'code' }, config: { source: 'return inputs.n * 2;', inputs: { n: 21 } } },
  'run-tool': { execution, workflow, node: { id: 'calc', type: 'tool' }, config: { kind: 'builtin', name: 'calculator', args: { expression: '6 * 7' } } },
  'invoke-llm': { execution, workflow, node: { id: 'llm', type: 'llm' }, config: { models: [{ provider: 'bedrock', model: 'amazon.nova-lite-v1:0' }], prompt: 'Say hello' } },
  'run-agent': { execution, workflow, node: { id: 'agent', type: 'agent' }, config: { models: [{ provider: 'bedrock', model: 'amazon.nova-lite-v1:0' }], prompt: 'Say hello', maxSteps: 2 } },
  // An unknown API key: one DynamoDB lookup, then a simple-response deny.
  'api-authorizer': { type: 'REQUEST', version: '2.0', routeKey: 'GET /api/v1/workflows', headers: { 'x-api-key': 'sf_bench_unknown_key_0000000000000000' }, requestContext: { requestId: 'bench' } },
  'api-access': apiRequest,
  'api-agents': apiRequest,
  'api-executions': apiRequest,
  'api-workflows': apiRequest,
  'fan-out-event': { Records: [] },
  // An unknown API key: one DynamoDB lookup, then API Gateway's documented deny (`Unauthorized`).
  'ws-authorizer': { type: 'REQUEST', methodArn: 'arn:aws:execute-api:us-east-1:123456789012:api/bench/$connect', queryStringParameters: { apiKey: 'sf_bench_unknown_key_0000000000000000' } },
  'ws-routes': { requestContext: { connectionId: 'bench-connection', routeKey: '$disconnect', eventType: 'DISCONNECT', requestId: 'bench' } },
};
/** First invocations whose normal answer is this error. */
const expectedError: Record<string, string> = { 'ws-authorizer': 'Unauthorized' };

/** Answers the AWS JSON-protocol calls a first invocation makes (by X-Amz-Target). */
function awsStub(): Promise<Server> {
  const answers: Record<string, unknown> = {
    'AWSEvents.PutEvents': { FailedEntryCount: 0, Entries: [{ EventId: 'bench' }] },
    'DynamoDB_20120810.Query': { Items: [], Count: 0 },
    'DynamoDB_20120810.UpdateItem': { Attributes: {} },
  };
  const server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.0' });
      res.end(JSON.stringify(answers[target] ?? {}));
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const probeFile = path.join(out, 'probe.cjs');
// Loads the handler (init), then invokes it once (first invocation), in one fresh process.
writeFileSync(
  probeFile,
  `const now=()=>Number(process.hrtime.bigint())/1e6;
const [file,eventFile,expected]=process.argv.slice(2);
const ctx={functionName:'bench',awsRequestId:'bench',invokedFunctionArn:'arn:aws:lambda:us-east-1:123456789012:function:bench',memoryLimitInMB:'1024',getRemainingTimeInMillis:()=>60000};
const cpu=(c)=>(c.user+c.system)/1e3;
(async()=>{const event=JSON.parse(require('fs').readFileSync(eventFile,'utf8'));const c0=process.cpuUsage();const t0=now();
const mod=file.endsWith('.mjs')?await import(file):require(file);const t1=now();const c1=process.cpuUsage(c0);
const initLazy=Object.keys(require.cache).filter((k)=>/[\\/]lazy-[a-z0-9-]+\.cjs$/.test(k)).map((k)=>require('path').basename(k));
let ok=true;try{await mod.handler(event,ctx);}catch(e){ok=expected&&e&&e.message===expected?true:String(e&&e.name)+': '+String(e&&e.message);}
const t2=now();const c2=process.cpuUsage(c0);process.stdout.write(JSON.stringify({init:t1-t0,cold:t2-t0,initCpu:cpu(c1),coldCpu:cpu(c2),initLazy,ok}));})();`,
);

interface Sample {
  init: number;
  cold: number;
  /** CPU time (user + system, all threads) of the same spans: less sensitive to other load. */
  initCpu: number;
  coldCpu: number;
  /** lazy-*.cjs files the handler required during init (their size counts as init's). */
  initLazy: string[];
  ok: true | string;
}

async function probe(file: string, eventFile: string, port: number, expected = ''): Promise<Sample> {
  const env = {
    PATH: process.env.PATH ?? '',
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'bench',
    AWS_SECRET_ACCESS_KEY: 'bench',
    AWS_ENDPOINT_URL: `http://127.0.0.1:${port}`,
    AWS_MAX_ATTEMPTS: '1',
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
    WS_MANAGEMENT_ENDPOINT: `http://127.0.0.1:${port}/bench`,
    FANOUT_QUEUE_URL: `http://127.0.0.1:${port}/123456789012/stepflow-fanout.fifo`,
    POWERTOOLS_LOG_LEVEL: 'SILENT',
    NODE_PATH: path.join(root, 'node_modules'),
    // As Lambda runs a NodeFunction (see the header).
    AWS_LAMBDA_FUNCTION_NAME: 'bench',
    LAMBDA_TASK_ROOT: path.dirname(file),
    _X_AMZN_TRACE_ID: 'Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=1',
    AWS_XRAY_DAEMON_ADDRESS: '127.0.0.1:2000',
  };
  try {
    const { stdout } = await run(process.execPath, [probeFile, file, eventFile, expected], { env, cwd: out });
    return JSON.parse(stdout) as Sample;
  } catch (err) {
    // A handler that cannot even load is reported, not allowed to stop the whole bench.
    const lines = String((err as { stderr?: unknown }).stderr ?? err).trim().split('\n');
    const reason = lines.filter((l) => /Error/.test(l)).pop() ?? lines.pop() ?? 'unknown';
    return { init: NaN, cold: NaN, initCpu: NaN, coldCpu: NaN, initLazy: [], ok: `init failed: ${reason.slice(0, 200)}` };
  }
}

interface Built {
  /** index.cjs, the handler module. */
  file: string;
  /** Of every file in the code directory, by name. */
  kbByFile: Record<string, number>;
  metafile: Metafile;
}

async function bundle(name: string, bundleSdk: boolean): Promise<Built> {
  const dir = path.join(out, name, bundleSdk ? 'sdk' : 'ext');
  const result = await bundleHandler({ entry: path.join(root, 'functions', name, 'handler.ts'), outdir: dir, bundleSdk, tsconfig: path.join(root, 'tsconfig.json'), sourcemap: true });
  const kbByFile = Object.fromEntries(
    Object.entries(result.metafile.outputs)
      .filter(([f]) => !f.endsWith('.map'))
      .map(([f, o]) => [path.basename(f), o.bytes / 1024]),
  );
  return { file: path.join(dir, 'index.cjs'), kbByFile, metafile: result.metafile };
}

interface Stats {
  med: number;
  min: number;
  max: number;
}
const stats = (xs: number[]): Stats => {
  const s = [...xs].sort((a, b) => a - b);
  return { med: s[Math.floor(s.length / 2)] as number, min: s[0] as number, max: s[s.length - 1] as number };
};

interface Measured {
  /** KB init compiles: index.cjs and the lazy files required during init. */
  kb: number;
  /** KB of the lazy files left for first use. */
  lazyKb: number;
  init: Stats;
  cold: Stats;
  initCpu: Stats;
  coldCpu: Stats;
  ok: true | string;
}
const summary = (built: Built, samples: Sample[]): Measured => {
  const failed = samples.find((s) => s.ok !== true);
  const of = (k: 'init' | 'cold' | 'initCpu' | 'coldCpu') => stats(samples.map((s) => s[k]));
  const atInit = new Set(['index.cjs', ...(samples[0]?.initLazy ?? [])]);
  const sum = (pick: (f: string) => boolean) => Object.entries(built.kbByFile).reduce((n, [f, kb]) => n + (pick(f) ? kb : 0), 0);
  return { kb: sum((f) => atInit.has(f)), lazyKb: sum((f) => !atInit.has(f)), init: of('init'), cold: of('cold'), initCpu: of('initCpu'), coldCpu: of('coldCpu'), ok: failed ? failed.ok : true };
};

/** Both forms, interleaved run by run, so a burst of other load on the machine hits both alike. */
async function measure(ext: Built, sdk: Built, eventFile: string, port: number, expected?: string): Promise<[Measured, Measured]> {
  const a: Sample[] = [];
  const b: Sample[] = [];
  for (let i = 0; i < RUNS; i += 1) {
    a.push(await probe(ext.file, eventFile, port, expected));
    b.push(await probe(sdk.file, eventFile, port, expected));
  }
  return [summary(ext, a), summary(sdk, b)];
}

/** The heaviest packages (or source folders) in a bundle. */
function topInputs(m: Metafile, n: number): string {
  const by = new Map<string, number>();
  for (const [file, o] of Object.entries(m.outputs)) {
    for (const [input, { bytesInOutput }] of Object.entries(o.inputs)) {
      const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input)?.[1] ?? path.relative(root, path.resolve(input)).split(path.sep).slice(0, 2).join('/');
      by.set(pkg, (by.get(pkg) ?? 0) + bytesInOutput);
    }
  }
  return [...by.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(([k, v]) => `    ${(v / 1024).toFixed(1).padStart(6)} KB  ${k}`)
    .join('\n');
}

const round = (n: number) => Math.round(n * 10) / 10;
const roundStats = (s: Stats): Stats => ({ med: round(s.med), min: round(s.min), max: round(s.max) });
const fmt = (s: Stats, cpu: Stats) => `${s.med.toFixed(0)} (${s.min.toFixed(0)}-${s.max.toFixed(0)}) ${cpu.med.toFixed(0)}`;

async function main() {
  const server = await awsStub();
  const port = (server.address() as AddressInfo).port;
  const rows = [];
  for (const name of handlers) {
    const eventFile = path.join(out, `${name}.event.json`);
    writeFileSync(eventFile, JSON.stringify(firstEvent[name] ?? {}));
    const ext = await bundle(name, false);
    const sdk = await bundle(name, true);
    const [mExt, mSdk] = await measure(ext, sdk, eventFile, port, expectedError[name]);
    rows.push({ name, ext, sdk, mExt, mSdk });
    if (TOP > 0) console.log(`${name} (${DEFAULT_BUNDLE_SDK ? 'SDK bundled' : 'SDK external'}):\n${topInputs((DEFAULT_BUNDLE_SDK ? sdk : ext).metafile, TOP)}`);
  }
  server.close();
  const deployed = DEFAULT_BUNDLE_SDK ? 'sdk' : 'ext';
  console.log(`\nhandler bundles (functions/_shared/bundle.ts: esbuild, minified, node22) and cold start in ${RUNS} fresh processes on ${process.version}`);
  console.log(`ms: wall-clock median (min-max), then median CPU ms; cold = init + first invocation against a local AWS stub`);
  console.log(`deployed form: SDK ${DEFAULT_BUNDLE_SDK ? 'bundled' : 'external'}; the verdict uses its KB and median init wall-clock\n`);
  const h = (s: string, w: number) => s.padStart(w);
  console.log(`${'handler'.padEnd(16)}${h('KB ext', 7)}${h('init ext', 22)}${h('cold ext', 22)} |${h('KB sdk', 7)}${h('+lazy', 6)}${h('init sdk', 22)}${h('cold sdk', 22)}   deployed vs <=400 KB, <=80 ms`);
  for (const r of rows) {
    const d = deployed === 'sdk' ? { kb: r.mSdk.kb, init: r.mSdk.init.med } : { kb: r.mExt.kb, init: r.mExt.init.med };
    const verdict = [d.kb <= 400 ? 'size ok' : 'size OVER', d.init <= 80 ? 'init ok' : 'init OVER'].join(', ');
    const failed = r.mExt.ok !== true ? ` (ext first invocation failed: ${r.mExt.ok})` : r.mSdk.ok !== true ? ` (sdk first invocation failed: ${r.mSdk.ok})` : '';
    console.log(
      `${r.name.padEnd(16)}${h(r.mExt.kb.toFixed(0), 7)}${h(fmt(r.mExt.init, r.mExt.initCpu), 22)}${h(fmt(r.mExt.cold, r.mExt.coldCpu), 22)} |${h(r.mSdk.kb.toFixed(0), 7)}${h(r.mSdk.lazyKb.toFixed(0), 6)}${h(fmt(r.mSdk.init, r.mSdk.initCpu), 22)}${h(fmt(r.mSdk.cold, r.mSdk.coldCpu), 22)}   ${verdict}${failed}`,
    );
  }
  const json = rows.map((r) => ({
    handler: r.name,
    sdkExternal: { bundleKb: round(r.mExt.kb), lazyKb: round(r.mExt.lazyKb), initMs: roundStats(r.mExt.init), coldMs: roundStats(r.mExt.cold), initCpuMs: roundStats(r.mExt.initCpu), coldCpuMs: roundStats(r.mExt.coldCpu), firstInvocation: r.mExt.ok },
    sdkBundled: { bundleKb: round(r.mSdk.kb), lazyKb: round(r.mSdk.lazyKb), initMs: roundStats(r.mSdk.init), coldMs: roundStats(r.mSdk.cold), initCpuMs: roundStats(r.mSdk.initCpu), coldCpuMs: roundStats(r.mSdk.coldCpu), firstInvocation: r.mSdk.ok },
  }));
  console.log(`\nBENCH_JSON ${JSON.stringify({ bench: 'runtimes', node: process.version, runs: RUNS, deployed: DEFAULT_BUNDLE_SDK ? 'sdk-bundled' : 'sdk-external', handlers: json })}`);
  rmSync(out, { recursive: true, force: true });
}

void main();
