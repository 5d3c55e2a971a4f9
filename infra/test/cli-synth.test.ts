/**
 * The real CLI, as CI runs it: `cdk synth` with no AWS credentials and no network (in a network
 * namespace with no interface up, where `unshare` is allowed), bundling every function with the
 * local esbuild and running cdk-nag (registered by infra/bin/app.ts, so a
 * finding fails the command).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { FunctionCatalog, FUNCTIONS, type FunctionKey } from '../lib/functions';
import { repoPath } from './stacks';

jest.setTimeout(300_000);

const out = mkdtempSync(path.join(tmpdir(), 'stepflow-synth-'));
afterAll(() => rmSync(out, { recursive: true, force: true }));

let result: ReturnType<typeof spawnSync>;
let template: { Resources: Record<string, { Type: string; Properties: Record<string, any>; Metadata?: Record<string, string> }> };

beforeAll(() => {
  const env: NodeJS.ProcessEnv = { ...process.env, CDK_DISABLE_CLI_TELEMETRY: 'true', AWS_EC2_METADATA_DISABLED: 'true', AWS_CONFIG_FILE: '/dev/null', AWS_SHARED_CREDENTIALS_FILE: '/dev/null' };
  for (const k of ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_PROFILE', 'CDK_DEFAULT_ACCOUNT', 'CDK_DEFAULT_REGION']) delete env[k];
  const cdk = [repoPath('node_modules/.bin/cdk'), 'synth', '--no-notices', '-q', '-o', out];
  // Where Linux lets us, run it in a network namespace of its own: no network at all.
  const isolated = spawnSync('unshare', ['-rn', 'true']).status === 0;
  const [command, ...args] = isolated ? ['unshare', '-rn', ...cdk] : cdk;
  result = spawnSync(command!, args, { cwd: repoPath(), env, encoding: 'utf8', timeout: 280_000 });
  if (result.status === 0) template = JSON.parse(readFileSync(path.join(out, 'Stepflow.template.json'), 'utf8'));
});

it('synthesizes offline with no credentials, cdk-nag clean', () => {
  expect({ status: result.status, stderr: String(result.stderr).split('\n').filter((l) => /ERROR|Error/.test(l)).slice(0, 20) }).toEqual({ status: 0, stderr: [] });
});

it('compiles each workflows/*.json into a state machine', () => {
  const files = readdirSync(repoPath('workflows')).filter((f) => f.endsWith('.json'));
  expect(files.length).toBeGreaterThan(0);
  const machines = Object.values(template.Resources).filter((r) => r.Type === 'AWS::StepFunctions::StateMachine');
  expect(machines).toHaveLength(files.length);
});

it('bundles every function in the tree, and the code sandbox runner next to run-code', () => {
  const catalog = new FunctionCatalog();
  const present = (Object.keys(FUNCTIONS) as FunctionKey[]).filter((k) => catalog.has(k));
  const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function' && Object.values(FUNCTIONS).some((f) => f.description === r.Properties.Description));
  expect(functions).toHaveLength(present.length);
  for (const fn of functions) {
    const asset = path.join(out, fn.Metadata!['aws:asset:path']!);
    // The packaging bench/runtimes measures (functions/_shared/bundle.ts): index.cjs, lazy files beside it.
    expect(existsSync(path.join(asset, 'index.cjs'))).toBe(true);
    expect(fn.Properties.Handler).toBe('index.handler');
    if (fn.Properties.Description === FUNCTIONS.runCode.description) expect(existsSync(path.join(asset, 'sandbox-runner.cjs'))).toBe(true);
  }
});
