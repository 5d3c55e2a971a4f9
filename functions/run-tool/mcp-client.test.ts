import { ErrorNames, NodeError } from '@shared/errors';
import { executeToolForAgent } from './run-tool';
import { mcpClient, mcpConnector, mcpOutput, mcpToolDefinitions, type McpClient } from './mcp-client';
import { startHttpServer } from './test-support/http-server';
import { startMcpServer, type LocalMcpServer } from './test-support/mcp-server';
import { ToolRegistry } from './tool-registry';

let server: LocalMcpServer;
beforeAll(async () => {
  server = await startMcpServer();
});
afterAll(async () => {
  await server.stop();
});

async function failure(p: Promise<unknown>): Promise<NodeError> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof NodeError)) throw new Error(`expected a NodeError, got ${String(err)}`);
  return err;
}

describe('mcpClient against a real SDK server (streamable HTTP, stateless)', () => {
  let client: McpClient;
  beforeAll(async () => {
    client = await mcpClient(server.url, { allowHosts: ['127.0.0.1'], headers: { 'x-api-key': 'k1' } });
  });
  afterAll(async () => {
    await client.close();
  });

  it('lists the tools with name, description and the JSON Schema of their input', async () => {
    const tools = await client.listTools();
    expect(tools.map((t) => t.name)).toEqual(['add', 'get_weather', 'fail', 'report', 'slow']);
    const weather = tools.find((t) => t.name === 'get_weather');
    expect(weather?.description).toBe('Current weather for a city');
    expect(weather?.inputSchema).toMatchObject({ type: 'object', properties: { city: { type: 'string', minLength: 1 }, units: { enum: ['c', 'f'] } }, required: ['city'] });
    expect(server.headers.at(-1)?.['x-api-key']).toBe('k1');
  });

  it('calls a tool: structuredContent becomes json, text stays text', async () => {
    await expect(client.callTool('add', { a: 2, b: 3 })).resolves.toEqual({
      isError: false,
      output: { text: '5', json: { sum: 5 }, content: [{ type: 'text', text: '5' }] },
    });
  });

  it('parses JSON sent as text into json', async () => {
    const { output } = await client.callTool('get_weather', { city: 'Lisbon' });
    expect(output.json).toEqual({ city: 'Lisbon', temp: 21, units: 'c' });
    expect(output.text).toBe('{"city":"Lisbon","temp":21,"units":"c"}');
  });

  it('reports a tool that throws as an error result with its text', async () => {
    const res = await client.callTool('fail', { reason: 'quota' });
    expect(res.isError).toBe(true);
    expect(res.output.text).toContain('cannot comply: quota');
  });

  it('maps mixed content: media as sizes, JSON resources parsed, links kept', async () => {
    const { output } = await client.callTool('report', {});
    expect(output).toEqual({
      text: 'Quarterly report',
      json: { revenue: 100 },
      content: [
        { type: 'text', text: 'Quarterly report' },
        { type: 'image', mimeType: 'image/png', bytes: 14 },
        { type: 'json', uri: 'report://q1', value: { revenue: 100 } },
        { type: 'resource_link', uri: 'report://q1/raw', name: 'raw data', mimeType: 'text/csv' },
      ],
    });
  });

  it('passes on what the server says about an unknown tool', async () => {
    const res = await client.callTool('nope', {});
    expect(res.isError).toBe(true);
    expect(res.output.text).toContain('Tool nope not found');
  });
});

describe('mcpClient failures', () => {
  it('refuses a host that is not on the allow-list without contacting it', async () => {
    const before = server.headers.length;
    const err = await failure(mcpClient(server.url, { allowHosts: ['mcp.example.com'] }));
    expect(err.message).toBe(`mcp server ${server.url} refused: host "127.0.0.1" is not on the allow-list (mcp.example.com)`);
    expect(server.headers.length).toBe(before);
  });

  it('refuses non-http schemes', async () => {
    await expect(failure(mcpClient('ws://127.0.0.1/mcp'))).resolves.toMatchObject({ name: ErrorNames.Tool, message: expect.stringContaining('scheme "ws:" is not allowed') });
  });

  it('maps HTTP 429 to Throttled and 500 to Unavailable', async () => {
    await expect(failure(mcpClient(`${server.origin}/throttled`))).resolves.toMatchObject({ name: ErrorNames.Throttled, retryable: true });
    await expect(failure(mcpClient(`${server.origin}/broken`))).resolves.toMatchObject({ name: ErrorNames.Unavailable, retryable: true });
  });

  it('maps an unreachable server to Unavailable', async () => {
    const dead = await startHttpServer(() => undefined);
    await dead.stop();
    await expect(failure(mcpClient(`${dead.origin}/mcp`))).resolves.toMatchObject({ name: ErrorNames.Unavailable, message: expect.stringContaining('ECONNREFUSED') });
  });

  it('times out a slow call with Stepflow.Timeout', async () => {
    const client = await mcpClient(server.url, { timeoutMs: 200 });
    try {
      const started = Date.now();
      await expect(failure(client.callTool('slow', { ms: 3_000 }))).resolves.toMatchObject({ name: ErrorNames.Timeout });
      expect(Date.now() - started).toBeLessThan(2_000);
    } finally {
      await client.close();
    }
  });
});

describe('mcpOutput', () => {
  it('gives a fixed shape for empty and non-JSON text results', () => {
    expect(mcpOutput({})).toEqual({ text: '', json: null, content: [] });
    expect(mcpOutput({ content: [{ type: 'text', text: '42 apples' }, { type: 'text', text: 'and pears' }] })).toEqual({
      text: '42 apples\nand pears',
      json: null,
      content: [
        { type: 'text', text: '42 apples' },
        { type: 'text', text: 'and pears' },
      ],
    });
    expect(mcpOutput({ content: [{ type: 'future_kind', x: 1 }] })).toEqual({ text: '', json: null, content: [] });
  });
});

describe('mcpToolDefinitions', () => {
  it("exposes the server's tools with the server's JSON Schema, validated with ajv", async () => {
    const registry = new ToolRegistry();
    for (const tool of await mcpToolDefinitions(server.url, { connector: mcpConnector({ allowHosts: ['127.0.0.1'] }), namePrefix: 'wx_' })) registry.register(tool);
    expect(registry.names()).toEqual(['wx_add', 'wx_fail', 'wx_get_weather', 'wx_report', 'wx_slow']);
    expect(registry.jsonSchema('wx_get_weather')).toMatchObject({ properties: { city: { type: 'string', description: 'City name' } }, required: ['city'] });

    await expect(executeToolForAgent(registry, 'wx_add', { a: 1, b: 2 })).resolves.toEqual({ ok: true, result: { text: '3', json: { sum: 3 }, content: [{ type: 'text', text: '3' }] } });
    await expect(executeToolForAgent(registry, 'wx_get_weather', { city: '', units: 'k' })).resolves.toEqual({
      ok: false,
      error: 'invalid arguments for tool "wx_get_weather": city: must NOT have fewer than 1 characters; units: must be one of "c", "f"',
    });
    await expect(executeToolForAgent(registry, 'wx_get_weather', {})).resolves.toEqual({ ok: false, error: 'invalid arguments for tool "wx_get_weather": city: is required' });
    const failed = await executeToolForAgent(registry, 'wx_fail', { reason: 'no' });
    expect(failed).toEqual({ ok: false, error: expect.stringContaining('mcp tool "fail" returned an error: ') });
    expect(failed.ok === false && failed.error).toContain('cannot comply: no');
  });

  it('does not call the server when the arguments are invalid', async () => {
    const [add] = await mcpToolDefinitions(server.url, { namePrefix: '' }).then((tools) => tools.filter((t) => t.name === 'add'));
    const registry = new ToolRegistry().register(add as NonNullable<typeof add>);
    const calls = server.methods.filter((m) => m === 'tools/call').length;
    await expect(executeToolForAgent(registry, 'add', { a: 'one', b: 2 })).resolves.toEqual({ ok: false, error: 'invalid arguments for tool "add": a: must be number' });
    expect(server.methods.filter((m) => m === 'tools/call').length).toBe(calls);
  });
});
