/**
 * The catalog of Stepflow's Lambda functions: one line each (folder under `functions/`, what it
 * does, sizing). The constructs look functions up here by key; a function whose handler file is
 * not in the tree yet is reported by {@link FunctionCatalog.has} and the feature that needs it is
 * left out of the stack with a warning, so landing its handler is all it takes to deploy it.
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { Duration } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { NodeFunction, REPO_ROOT, type NodeFunctionProps } from './node-function';

export interface FunctionSpec {
  /** The folder under `functions/` holding `handler.ts`. */
  readonly dir: string;
  readonly description: string;
  /** @default 512 */
  readonly memorySize?: number;
  /** @default 30 seconds */
  readonly timeout?: Duration;
  /** Files of the folder loaded by path at run time, copied next to the bundle. */
  readonly copyFiles?: readonly string[];
}

export const FUNCTIONS = {
  // Node runtimes (Task states of the state machines).
  invokeLlm: { dir: 'invoke-llm', description: 'Stepflow llm node: Bedrock Converse with a fallback chain', memorySize: 1024, timeout: Duration.minutes(5) },
  runAgent: { dir: 'run-agent', description: 'Stepflow agent node: bounded ReAct loop with tools and memory', memorySize: 1024, timeout: Duration.minutes(15) },
  runTool: { dir: 'run-tool', description: 'Stepflow tool node: built-in tools, customer Lambdas, MCP servers', timeout: Duration.minutes(2) },
  // 128 MiB + 2 x the schema's largest memoryMb for the child, plus the handler; timeout above 60 s + 2 s grace.
  runCode: { dir: 'run-code', description: 'Stepflow code node: sandboxed JavaScript, no AWS permissions', memorySize: 1024, timeout: Duration.seconds(90), copyFiles: ['sandbox-runner.cjs'] },
  requestInput: { dir: 'request-input', description: 'Stepflow human_input node: records the task token and asks for input' },
  recordCallback: { dir: 'record-callback', description: 'Stepflow pause gates and event waits: records the task token' },
  transformData: { dir: 'transform-data', description: 'Stepflow transform node: bounded JSONata', timeout: Duration.seconds(30) },
  // Control plane.
  apiWorkflows: { dir: 'api-workflows', description: 'Stepflow REST API: workflows, validate, publish, versions' },
  apiExecutions: { dir: 'api-executions', description: 'Stepflow REST API: execute, executions, stop/pause/resume, human input' },
  apiAgents: { dir: 'api-agents', description: 'Stepflow REST API: registered agents' },
  apiAccess: { dir: 'api-access', description: 'Stepflow REST API: API keys and audit trail' },
  apiAuthorizer: { dir: 'api-authorizer', description: 'Stepflow REST API authorizer (Cognito JWT or API key)', memorySize: 256, timeout: Duration.seconds(10) },
  apiHooks: { dir: 'api-hooks', description: 'Stepflow webhook triggers: checks the hook signature and starts the workflow' },
  // Live events.
  fanOutEvent: { dir: 'fan-out-event', description: 'Stepflow event fan-out: event log and WebSocket delivery' },
  wsAuthorizer: { dir: 'ws-authorizer', description: 'Stepflow WebSocket $connect authorizer (Cognito JWT or API key)', memorySize: 256, timeout: Duration.seconds(10) },
  wsRoutes: { dir: 'ws-routes', description: 'Stepflow WebSocket routes: connect, subscribe, send_input, disconnect' },
} as const satisfies Record<string, FunctionSpec>;

export type FunctionKey = keyof typeof FUNCTIONS;

/** Where the handlers are, and which of them exist. */
export class FunctionCatalog {
  constructor(readonly functionsDir: string = path.join(REPO_ROOT, 'functions')) {}

  entry(key: FunctionKey): string {
    return path.join(this.functionsDir, FUNCTIONS[key].dir, 'handler.ts');
  }

  has(key: FunctionKey): boolean {
    return existsSync(this.entry(key));
  }

  copyFiles(key: FunctionKey): string[] {
    const spec: FunctionSpec = FUNCTIONS[key];
    return (spec.copyFiles ?? []).map((f) => path.join(this.functionsDir, spec.dir, f));
  }
}

/**
 * Creates the function of the catalog entry `key` (construct id: the key in PascalCase).
 *
 * @example
 * ```ts
 * const fn = catalogFunction(this, catalog, 'apiAgents', { TABLE_NAME: table.tableName });
 * ```
 */
export function catalogFunction(scope: Construct, catalog: FunctionCatalog, key: FunctionKey, environment: Readonly<Record<string, string>>, network?: NodeFunctionProps['network']): NodeFunction {
  const spec: FunctionSpec = FUNCTIONS[key];
  return new NodeFunction(scope, key.charAt(0).toUpperCase() + key.slice(1), {
    entry: catalog.entry(key),
    description: spec.description,
    environment,
    ...(spec.memorySize === undefined ? {} : { memorySize: spec.memorySize }),
    ...(spec.timeout === undefined ? {} : { timeout: spec.timeout }),
    copyFiles: catalog.copyFiles(key),
    ...(network ? { network } : {}),
  });
}
