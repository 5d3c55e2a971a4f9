/**
 * A real MCP server (the official SDK's McpServer behind its StreamableHTTPServerTransport, in
 * stateless mode) on a node http server on 127.0.0.1, for tests.
 *
 * Tools:
 *   add(a, b)                -> text "a+b" and structuredContent { sum } (declares an outputSchema)
 *   get_weather(city, units) -> JSON sent as text
 *   fail(reason)             -> throws: the SDK turns it into a result with isError
 *   report()                 -> text, image, JSON resource and a resource link
 *   slow(ms)                 -> answers after `ms`
 * Paths: /mcp (the server), /throttled (429), /broken (500).
 */
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { z } from 'zod';
import { startHttpServer, type LocalHttpServer } from './http-server';

export interface LocalMcpServer extends LocalHttpServer {
  /** `<origin>/mcp` */
  readonly url: string;
  /** JSON-RPC methods received, in order (e.g. 'initialize', 'tools/list', 'tools/call'). */
  readonly methods: string[];
  /** Request headers seen on /mcp. */
  readonly headers: Record<string, string | string[] | undefined>[];
}

function buildServer(): McpServer {
  const server = new McpServer({ name: 'stepflow-test-server', version: '1.0.0' });
  server.registerTool(
    'add',
    {
      description: 'Adds two numbers',
      inputSchema: { a: z.number().describe('first addend'), b: z.number().describe('second addend') },
      outputSchema: { sum: z.number() },
    },
    async ({ a, b }) => ({ content: [{ type: 'text', text: String(a + b) }], structuredContent: { sum: a + b } }),
  );
  server.registerTool(
    'get_weather',
    {
      description: 'Current weather for a city',
      inputSchema: { city: z.string().min(1).describe('City name'), units: z.enum(['c', 'f']).default('c') },
    },
    async ({ city, units }) => ({ content: [{ type: 'text', text: JSON.stringify({ city, temp: units === 'c' ? 21 : 70, units }) }] }),
  );
  server.registerTool('fail', { description: 'Always fails', inputSchema: { reason: z.string() } }, async ({ reason }) => {
    throw new Error(`cannot comply: ${reason}`);
  });
  server.registerTool('report', { description: 'Mixed content' }, async () => ({
    content: [
      { type: 'text', text: 'Quarterly report' },
      { type: 'image', data: Buffer.from('fake-png-bytes').toString('base64'), mimeType: 'image/png' },
      { type: 'resource', resource: { uri: 'report://q1', mimeType: 'application/json', text: '{"revenue":100}' } },
      { type: 'resource_link', uri: 'report://q1/raw', name: 'raw data', mimeType: 'text/csv' },
    ],
  }));
  server.registerTool('slow', { description: 'Answers late', inputSchema: { ms: z.number() } }, async ({ ms }) => {
    // unref: a call the client gave up on must not keep the test process alive.
    await new Promise((resolve) => setTimeout(resolve, ms).unref());
    return { content: [{ type: 'text', text: 'done' }] };
  });
  return server;
}

export async function startMcpServer(): Promise<LocalMcpServer> {
  const methods: string[] = [];
  const headers: Record<string, string | string[] | undefined>[] = [];
  const http = await startHttpServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://x').pathname;
    if (path === '/throttled' || path === '/broken') {
      res.writeHead(path === '/throttled' ? 429 : 500, { 'content-type': 'text/plain' });
      res.end(path === '/throttled' ? 'slow down' : 'internal error');
      return;
    }
    if (path !== '/mcp') {
      res.writeHead(404).end();
      return;
    }
    headers.push({ ...req.headers });
    void (async () => {
      // Stateless mode: a fresh server and transport per request, as the SDK documents.
      const server = buildServer();
      const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined, enableJsonResponse: true });
      res.on('close', () => {
        void transport.close();
        void server.close();
      });
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const text = Buffer.concat(chunks).toString('utf8');
      const body: unknown = text ? JSON.parse(text) : undefined;
      for (const m of Array.isArray(body) ? body : [body]) {
        const method = (m as { method?: unknown } | undefined)?.method;
        if (typeof method === 'string') methods.push(method);
      }
      await server.connect(transport);
      await transport.handleRequest(req, res, body);
    })();
  });
  return { ...http, url: `${http.origin}/mcp`, methods, headers };
}
