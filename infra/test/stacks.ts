/**
 * Stacks for the infra tests, built once per test file: synthesizing one costs seconds, so the
 * assertions share them. Bundling is skipped (`aws:cdk:bundling-stacks: []`); the CLI test
 * bundles for real.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import type { StepflowConfig } from '../lib/config';
import { FUNCTIONS, type FunctionKey } from '../lib/functions';
import { REPO_ROOT } from '../lib/node-function';
import { StepflowStack } from '../lib/stepflow-stack';

export const FIXTURES = path.join(__dirname, 'fixtures');
const STUB_ROOT = path.join(__dirname, '.tmp');
export const ENV = { account: '123456789012', region: 'eu-west-1' };

/**
 * A functions folder with a stub `handler.ts` for each key: lets the tests wire functions whose
 * handlers have not landed in the tree yet (the stack only checks that the entry exists).
 */
export function stubFunctionsDir(keys: readonly FunctionKey[] = Object.keys(FUNCTIONS) as FunctionKey[]): string {
  // Under the repository (the bundler resolves packages from the repository), one folder per
  // set of keys, reused across runs.
  const dir = path.join(STUB_ROOT, `functions-${createHash('sha256').update([...keys].sort().join(',')).digest('hex').slice(0, 12)}`);
  for (const key of keys) {
    mkdirSync(path.join(dir, FUNCTIONS[key].dir), { recursive: true });
    writeFileSync(path.join(dir, FUNCTIONS[key].dir, 'handler.ts'), 'export const handler = async () => ({});\n');
  }
  return dir;
}

export interface BuiltStack {
  readonly app: App;
  readonly stack: StepflowStack;
  readonly template: Template;
}

export function buildStack(options: { config?: Partial<StepflowConfig>; functionsDir?: string; nag?: boolean; context?: Record<string, unknown> } = {}): BuiltStack {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], 'aws:cdk:disable-stack-trace': true, ...options.context } });
  if (options.nag) Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  const stack = new StepflowStack(app, 'Stepflow', {
    env: ENV,
    ...(options.config ? { config: options.config } : {}),
    ...(options.functionsDir ? { functionsDir: options.functionsDir } : {}),
  });
  return { app, stack, template: Template.fromStack(stack) };
}

export const repoPath = (...p: string[]) => path.join(REPO_ROOT, ...p);
