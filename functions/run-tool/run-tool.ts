/**
 * The tool runtime: renders a tool node's arguments, validates them, and runs the tool: a
 * registered built-in, a customer Lambda function, or a tool on an MCP server.
 *
 * Errors a workflow can catch by name:
 * - Stepflow.ValidationError: unknown tool, arguments that fail the tool's schema (message
 *   names the field), bad config. Never retried.
 * - Stepflow.ToolError: the tool ran and failed (including MCP results with `isError` and
 *   Lambda function errors). Not retried.
 * - Stepflow.Throttled / Stepflow.Unavailable / Stepflow.Timeout: transient; retryable.
 *
 * Agents call tools through {@link executeToolForAgent} instead, which never throws: a failed
 * call is an observation for the model, not the end of the run.
 */
import type { LambdaClient } from '@aws-sdk/client-lambda';
import * as z from 'zod/mini';
import { ErrorNames, NodeError, describeError } from '@shared/errors';
import { scopeOf, type NodeInvocation, type NodeResult } from '@shared/runtime';
import { renderValue } from '@shared/template';
import { toolConfigSchema } from '@shared/node-config/tool';
import { checkArguments, describeIssues } from '../_shared/json-schema-args';
import { mcpErrorText, mcpNodeError, type McpConnector } from './mcp-client';
import type { ToolRegistry } from './tool-registry';

export interface RunToolDeps {
  /** Built-in tools (`kind: 'builtin'`). */
  readonly tools: ToolRegistry;
  /** Needed for `kind: 'lambda'` tools: the client, or a function building it on first use. */
  readonly lambda?: LambdaClient | (() => LambdaClient);
  /** Needed for `kind: 'mcp'` tools. */
  readonly mcp?: McpConnector;
  /** Aborts the call (execution stopped, Lambda about to time out). */
  readonly signal?: AbortSignal;
}

/** Bounds messages that may carry a downstream service's text into events and logs. */
function clip(text: string, max = 2_000): string {
  return text.length > max ? `${text.slice(0, max)}…` : text;
}

function toolFailure(tool: string, err: unknown): NodeError {
  if (err instanceof NodeError) return err;
  const message = err instanceof Error ? err.message : String(err);
  return new NodeError(ErrorNames.Tool, clip(`tool "${tool}" failed: ${message}`), { cause: err, retryable: false });
}

/**
 * Runs a tool node.
 *
 * @example
 * ```ts
 * await runTool(invocation, { tools: builtinTools(), lambda, mcp: mcpConnector() }) // { output: { result: 42 } }
 * ```
 */
export async function runTool(invocation: NodeInvocation, deps: RunToolDeps): Promise<NodeResult> {
  const where = `tool node "${invocation.node.id}"`;
  const parsed = toolConfigSchema.safeParse(invocation.config);
  if (!parsed.success) throw new NodeError(ErrorNames.Validation, `${where}: invalid config: ${describeIssues(parsed.error.issues)}`);
  const config = parsed.data;
  const scope = scopeOf(invocation);
  const signal = deps.signal ? { signal: deps.signal } : {};

  switch (config.kind) {
    case 'builtin': {
      const tool = deps.tools.get(config.name);
      if (!tool) {
        throw new NodeError(ErrorNames.Validation, `${where}: unknown tool "${config.name}"; registered: ${deps.tools.names().join(', ') || 'none'}`);
      }
      const args = z.safeParse(tool.args, renderValue(config.args, scope));
      if (!args.success) throw new NodeError(ErrorNames.Validation, `${where}: tool "${config.name}" arguments: ${describeIssues(args.error.issues)}`);
      try {
        const output = await tool.run(args.data, signal);
        return { output: output === undefined ? null : output };
      } catch (err) {
        throw toolFailure(config.name, err);
      }
    }

    case 'lambda': {
      if (!deps.lambda) {
        // A deployment fault, not the tool's: the runtime was built without a Lambda client.
        throw new NodeError(ErrorNames.Internal, `${where}: lambda tools need a Lambda client in this runtime`, { retryable: false });
      }
      const payload = renderValue(config.payload, scope);
      const client = typeof deps.lambda === 'function' ? deps.lambda() : deps.lambda;
      // Loaded with the first lambda tool call (it brings the Lambda SDK): most tools are built-ins.
      // eslint-disable-next-line @typescript-eslint/no-require-imports -- deliberately deferred loading
      const { invokeLambdaTool } = require('./lambda-tool') as typeof import('./lambda-tool');
      return { output: await invokeLambdaTool(client, config.functionArn, payload, signal) };
    }

    case 'mcp': {
      if (!deps.mcp) throw new NodeError(ErrorNames.Internal, `${where}: MCP tools need an MCP connector in this runtime`, { retryable: false });
      // Render before connecting: a broken reference should not cost a round trip.
      const rendered = renderValue(config.args, scope);
      const client = await deps.mcp.connect(config.serverUrl, signal);
      try {
        const tools = await client.listTools(signal);
        const info = tools.find((t) => t.name === config.toolName);
        if (!info) {
          throw new NodeError(
            ErrorNames.Validation,
            `${where}: MCP server ${config.serverUrl} has no tool "${config.toolName}"; it offers: ${tools.map((t) => t.name).join(', ') || 'none'}`,
          );
        }
        const check = checkArguments(info.inputSchema, rendered);
        if (!check.ok) throw new NodeError(ErrorNames.Validation, `${where}: MCP tool "${config.toolName}" arguments: ${describeIssues(check.issues)}`);
        const result = await client.callTool(config.toolName, rendered as Record<string, unknown>, signal);
        if (result.isError) {
          throw new NodeError(ErrorNames.Tool, clip(`${where}: MCP tool "${config.toolName}" returned an error: ${mcpErrorText(result.output)}`), { retryable: false });
        }
        return { output: result.output };
      } catch (err) {
        throw mcpNodeError(err, `${where}: MCP tool "${config.toolName}"`);
      } finally {
        await client.close();
      }
    }
  }
}

/** What an agent hands back to the model after a tool call. */
export type AgentToolResult = { readonly ok: true; readonly result: unknown } | { readonly ok: false; readonly error: string };

/**
 * Runs a tool on behalf of an agent and NEVER throws: an unknown tool, invalid arguments (the
 * message names each field), a tool that throws, or a result that is not JSON all come back as
 * `{ ok: false, error }`, for the agent to feed to the model as an observation so it can
 * correct itself. Arguments given as a JSON string (some models do) are parsed first.
 *
 * @example
 * ```ts
 * await executeToolForAgent(registry, 'calculator', { expression: '2 + 2' }) // { ok: true, result: { expression: '2 + 2', result: 4 } }
 * await executeToolForAgent(registry, 'calculator', {})                      // { ok: false, error: 'invalid arguments for tool "calculator": expression: ...' }
 * ```
 */
export async function executeToolForAgent(registry: ToolRegistry, name: string, rawArgs: unknown, options: { signal?: AbortSignal } = {}): Promise<AgentToolResult> {
  try {
    const tool = registry.get(name);
    if (!tool) return { ok: false, error: `unknown tool "${name}"; available tools: ${registry.names().join(', ') || 'none'}` };
    let input: unknown = rawArgs ?? {};
    if (typeof rawArgs === 'string') {
      try {
        input = JSON.parse(rawArgs) as unknown;
      } catch {
        return { ok: false, error: `invalid arguments for tool "${name}": expected a JSON object, got the string ${JSON.stringify(clip(rawArgs, 200))}` };
      }
    }
    const args = z.safeParse(tool.args, input);
    if (!args.success) return { ok: false, error: clip(`invalid arguments for tool "${name}": ${describeIssues(args.error.issues)}`) };
    const result = await tool.run(args.data, options.signal ? { signal: options.signal } : {});
    const value = result === undefined ? null : result;
    try {
      JSON.stringify(value);
    } catch (err) {
      return { ok: false, error: `tool "${name}" returned a value that is not JSON: ${(err as Error).message}` };
    }
    return { ok: true, result: value };
  } catch (err) {
    const { message } = describeError(err);
    const transient = err instanceof NodeError && err.retryable ? ' (a temporary failure: the same call may succeed later)' : '';
    return { ok: false, error: clip(`tool "${name}" failed: ${message}${transient}`) };
  }
}
