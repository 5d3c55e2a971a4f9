import { z } from 'zod';
import { ErrorNames, NodeError } from '@shared/errors';
import type { NodeInvocation } from '@shared/runtime';
import { mcpConnector, type McpConnector } from './mcp-client';
import { executeToolForAgent, runTool } from './run-tool';
import { startLambda, type LocalLambda } from './test-support/lambda-server';
import { startMcpServer, type LocalMcpServer } from './test-support/mcp-server';
import { ToolRegistry, type ToolDefinition } from './tool-registry';
import { builtinTools } from './tools';

function invocation(config: Record<string, unknown>, nodes: Record<string, unknown> = {}): NodeInvocation {
  return { execution: { id: 'exec-1' }, workflow: { name: 'wf' }, node: { id: 'tool1', type: 'tool' }, config, nodes };
}

async function failure(p: Promise<unknown>): Promise<NodeError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof NodeError)) throw new Error(`expected a NodeError, got ${String(err)}`);
  return err;
}

const throwsArgs = z.object({ kind: z.enum(['plain', 'throttled']) });
const throwing: ToolDefinition<typeof throwsArgs> = {
  name: 'throws',
  description: 'Fails on purpose',
  args: throwsArgs,
  async run(a) {
    if (a.kind === 'throttled') throw new NodeError(ErrorNames.Throttled, 'upstream said slow down');
    throw new Error('disk on fire');
  },
};
const circularArgs = z.object({});
const circular: ToolDefinition<typeof circularArgs> = {
  name: 'circular',
  description: 'Returns something that is not JSON',
  args: circularArgs,
  async run() {
    const o: Record<string, unknown> = {};
    o.self = o;
    return o;
  },
};

const tools = builtinTools().register(throwing).register(circular);

describe('runTool: builtin tools', () => {
  it('renders arguments from upstream nodes, validates and runs the tool', async () => {
    const inv = invocation({ kind: 'builtin', name: 'calculator', args: { expression: '{{nodes.prev.output.a}} * 2' } }, { prev: { output: { a: 21 } } });
    await expect(runTool(inv, { tools })).resolves.toEqual({ output: { expression: '21 * 2', result: 42 } });
  });

  it('keeps the type of a whole-value reference (json_transform over an upstream array)', async () => {
    const inv = invocation({ kind: 'builtin', name: 'json_transform', args: { expression: '$sum($)', data: '{{nodes.prev.output}}' } }, { prev: { output: [1, 2, 3] } });
    await expect(runTool(inv, { tools })).resolves.toEqual({ output: { result: 6 } });
  });

  it('rejects invalid arguments with Stepflow.ValidationError naming the field', async () => {
    const err = await failure(runTool(invocation({ kind: 'builtin', name: 'calculator', args: { expression: 42 } }), { tools }));
    expect(err).toMatchObject({ name: ErrorNames.Validation, retryable: false });
    expect(err.message).toBe('tool node "tool1": tool "calculator" arguments: expression: Invalid input: expected string, received number');
  });

  it('rejects an unknown tool with the registered names', async () => {
    const err = await failure(runTool(invocation({ kind: 'builtin', name: 'nope' }), { tools }));
    expect(err).toMatchObject({ name: ErrorNames.Validation, message: 'tool node "tool1": unknown tool "nope"; registered: calculator, circular, echo, json_transform, throws' });
  });

  it('reports a tool that throws as Stepflow.ToolError (not retryable) and keeps a NodeError it threw', async () => {
    await expect(failure(runTool(invocation({ kind: 'builtin', name: 'throws', args: { kind: 'plain' } }), { tools }))).resolves.toMatchObject({
      name: ErrorNames.Tool,
      retryable: false,
      message: 'tool "throws" failed: disk on fire',
    });
    await expect(failure(runTool(invocation({ kind: 'builtin', name: 'throws', args: { kind: 'throttled' } }), { tools }))).resolves.toMatchObject({
      name: ErrorNames.Throttled,
      retryable: true,
    });
  });

  it('reports calculator errors as tool errors with the position', async () => {
    const err = await failure(runTool(invocation({ kind: 'builtin', name: 'calculator', args: { expression: '1 / (2 - 2)' } }), { tools }));
    expect(err).toMatchObject({ name: ErrorNames.Tool, message: 'tool "calculator" failed: division by zero at position 3' });
  });

  it('rejects an invalid config', async () => {
    await expect(failure(runTool(invocation({ kind: 'ftp' }), { tools }))).resolves.toMatchObject({ name: ErrorNames.Validation, message: expect.stringContaining('invalid config') });
  });
});

describe('runTool: lambda tools', () => {
  let local: LocalLambda;
  beforeAll(async () => {
    local = await startLambda({
      enrich: (p) => ({ result: { enriched: true, ...(p as object) } }),
      crashes: () => ({ error: { errorType: 'Error', errorMessage: 'bad customer id' } }),
      busy: () => ({ serviceError: { status: 429, type: 'TooManyRequestsException', message: 'Rate Exceeded.' } }),
    });
  });
  afterAll(async () => {
    await local.stop();
  });
  const arn = (name: string) => `arn:aws:lambda:us-east-1:123456789012:function:${name}`;

  it('invokes the function with the rendered payload and returns its response', async () => {
    const inv = invocation({ kind: 'lambda', functionArn: arn('enrich'), payload: { id: '{{nodes.prev.output.id}}', fixed: 'x' } }, { prev: { output: { id: 7 } } });
    await expect(runTool(inv, { tools, lambda: local.client })).resolves.toEqual({ output: { enriched: true, id: 7, fixed: 'x' } });
    expect(local.invocations.at(-1)).toEqual({ functionName: arn('enrich'), invocationType: 'RequestResponse', payload: { id: 7, fixed: 'x' } });
  });

  it('maps a function error to Stepflow.ToolError and throttling to Stepflow.Throttled', async () => {
    await expect(failure(runTool(invocation({ kind: 'lambda', functionArn: arn('crashes') }), { tools, lambda: local.client }))).resolves.toMatchObject({
      name: ErrorNames.Tool,
      retryable: false,
      message: 'lambda tool crashes failed (Unhandled): Error: bad customer id',
    });
    await expect(failure(runTool(invocation({ kind: 'lambda', functionArn: arn('busy') }), { tools, lambda: local.client }))).resolves.toMatchObject({
      name: ErrorNames.Throttled,
      retryable: true,
    });
  });

  it('fails clearly when the runtime has no Lambda client', async () => {
    await expect(failure(runTool(invocation({ kind: 'lambda', functionArn: arn('enrich') }), { tools }))).resolves.toMatchObject({
      name: ErrorNames.Internal,
      message: 'tool node "tool1": lambda tools need a Lambda client in this runtime',
    });
  });
});

describe('runTool: MCP tools', () => {
  let server: LocalMcpServer;
  let mcp: McpConnector;
  beforeAll(async () => {
    server = await startMcpServer();
    mcp = mcpConnector({ allowHosts: ['127.0.0.1'] });
  });
  afterAll(async () => {
    await server.stop();
  });
  const callsSoFar = () => server.methods.filter((m) => m === 'tools/call').length;

  it('calls the tool with rendered arguments and returns text, json and content', async () => {
    const inv = invocation({ kind: 'mcp', serverUrl: server.url, toolName: 'get_weather', args: { city: '{{nodes.prev.output.city}}' } }, { prev: { output: { city: 'Porto' } } });
    await expect(runTool(inv, { tools, mcp })).resolves.toEqual({
      output: {
        text: '{"city":"Porto","temp":21,"units":"c"}',
        json: { city: 'Porto', temp: 21, units: 'c' },
        content: [{ type: 'text', text: '{"city":"Porto","temp":21,"units":"c"}' }],
      },
    });
  });

  it('validates arguments against the server-declared schema before calling', async () => {
    const before = callsSoFar();
    const err = await failure(runTool(invocation({ kind: 'mcp', serverUrl: server.url, toolName: 'add', args: { a: 1, b: 'two', c: 3 } }), { tools, mcp }));
    expect(err).toMatchObject({ name: ErrorNames.Validation, message: 'tool node "tool1": MCP tool "add" arguments: b: must be number' });
    expect(callsSoFar()).toBe(before);
  });

  it('turns an isError result into Stepflow.ToolError with the text content', async () => {
    const err = await failure(runTool(invocation({ kind: 'mcp', serverUrl: server.url, toolName: 'fail', args: { reason: 'out of stock' } }), { tools, mcp }));
    expect(err).toMatchObject({ name: ErrorNames.Tool, retryable: false });
    expect(err.message).toMatch(/^tool node "tool1": MCP tool "fail" returned an error: .*cannot comply: out of stock/);
  });

  it('rejects a tool the server does not offer, listing what it offers', async () => {
    const err = await failure(runTool(invocation({ kind: 'mcp', serverUrl: server.url, toolName: 'teleport' }), { tools, mcp }));
    expect(err).toMatchObject({ name: ErrorNames.Validation, message: `tool node "tool1": MCP server ${server.url} has no tool "teleport"; it offers: add, get_weather, fail, report, slow` });
  });

  it('honours the connector allow-list and classifies server failures', async () => {
    const strict = mcpConnector({ allowHosts: ['mcp.example.com'] });
    await expect(failure(runTool(invocation({ kind: 'mcp', serverUrl: server.url, toolName: 'add', args: { a: 1, b: 2 } }), { tools, mcp: strict }))).resolves.toMatchObject({
      name: ErrorNames.Tool,
      message: expect.stringContaining('is not on the allow-list'),
    });
    await expect(failure(runTool(invocation({ kind: 'mcp', serverUrl: `${server.origin}/broken`, toolName: 'add' }), { tools, mcp }))).resolves.toMatchObject({
      name: ErrorNames.Unavailable,
    });
  });

  it('fails clearly when the runtime has no MCP connector', async () => {
    await expect(failure(runTool(invocation({ kind: 'mcp', serverUrl: server.url, toolName: 'add' }), { tools }))).resolves.toMatchObject({
      name: ErrorNames.Internal,
      message: 'tool node "tool1": MCP tools need an MCP connector in this runtime',
    });
  });
});

describe('executeToolForAgent', () => {
  it('returns the result of a successful call', async () => {
    await expect(executeToolForAgent(tools, 'calculator', { expression: '2 + 2' })).resolves.toEqual({ ok: true, result: { expression: '2 + 2', result: 4 } });
  });

  it('parses arguments given as a JSON string', async () => {
    await expect(executeToolForAgent(tools, 'calculator', '{"expression":"3*3"}')).resolves.toEqual({ ok: true, result: { expression: '3*3', result: 9 } });
    await expect(executeToolForAgent(tools, 'calculator', 'three times three')).resolves.toEqual({
      ok: false,
      error: 'invalid arguments for tool "calculator": expected a JSON object, got the string "three times three"',
    });
  });

  it('names the available tools for an unknown tool', async () => {
    await expect(executeToolForAgent(tools, 'weather', {})).resolves.toEqual({ ok: false, error: 'unknown tool "weather"; available tools: calculator, circular, echo, json_transform, throws' });
  });

  it('names the field for invalid arguments', async () => {
    await expect(executeToolForAgent(tools, 'calculator', { expr: '1' })).resolves.toEqual({
      ok: false,
      error: 'invalid arguments for tool "calculator": expression: Invalid input: expected string, received undefined; (arguments): Unrecognized key: "expr"',
    });
    await expect(executeToolForAgent(tools, 'calculator', undefined)).resolves.toMatchObject({ ok: false, error: expect.stringContaining('expression:') });
  });

  it('returns a thrown error as an observation, marking transient ones', async () => {
    await expect(executeToolForAgent(tools, 'throws', { kind: 'plain' })).resolves.toEqual({ ok: false, error: 'tool "throws" failed: disk on fire' });
    await expect(executeToolForAgent(tools, 'throws', { kind: 'throttled' })).resolves.toEqual({
      ok: false,
      error: 'tool "throws" failed: upstream said slow down (a temporary failure: the same call may succeed later)',
    });
    await expect(executeToolForAgent(tools, 'calculator', { expression: '1/0' })).resolves.toEqual({ ok: false, error: 'tool "calculator" failed: division by zero at position 2' });
  });

  it('never throws, even for hostile input or a result that is not JSON', async () => {
    const hostile = {
      get expression(): string {
        throw new Error('getter exploded');
      },
    };
    await expect(executeToolForAgent(tools, 'calculator', hostile)).resolves.toMatchObject({ ok: false, error: expect.stringContaining('getter exploded') });
    await expect(executeToolForAgent(tools, 'circular', {})).resolves.toMatchObject({ ok: false, error: expect.stringContaining('returned a value that is not JSON') });
    const empty = new ToolRegistry();
    await expect(executeToolForAgent(empty, 'x', null)).resolves.toEqual({ ok: false, error: 'unknown tool "x"; available tools: none' });
  });
});
