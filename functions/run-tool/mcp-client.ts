/**
 * MCP tools over the Streamable HTTP transport, with the official SDK client.
 *
 * - {@link mcpClient} connects to one server: list its tools, call one, close.
 * - {@link McpConnector} is what the tool runtime depends on (a seam for tests and for
 *   deployment policy such as a host allow-list); {@link mcpConnector} is the real one.
 * - {@link mcpToolDefinitions} exposes a server's tools as {@link ToolDefinition}s for agents:
 *   the model sees the server's own JSON Schema; arguments are validated against it with ajv.
 *
 * Connections are per use (connect, work, close), not pooled: a Lambda invocation is short and
 * a pooled session would outlive it or go stale between invocations. Stateless servers make
 * this cheap; stateful ones get a fresh session each time.
 */
import { ErrorNames, NodeError } from '@shared/errors';
import { checkHttpUrl, parseHttpUrl } from './host-allow-list';
import { jsonSchemaArgs } from '../_shared/json-schema-args';
import type { ToolDefinition } from './tool-registry';

type McpSdk = typeof import('../_shared/lazy/mcp-sdk');
let loadedSdk: McpSdk | undefined;
/**
 * The MCP SDK, loaded on the first MCP connection: the tool and agent runtimes hold an MCP
 * connector, but most of their invocations never use it.
 */
function mcpSdk(): McpSdk {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- deliberately deferred loading
  loadedSdk ??= require('../_shared/lazy/mcp-sdk') as McpSdk;
  return loadedSdk;
}

/** A tool as the server declares it. */
export interface McpToolInfo {
  readonly name: string;
  readonly description?: string;
  readonly inputSchema: Record<string, unknown>;
}

/**
 * One content item of a tool result, reduced to what a workflow can carry: text and JSON in
 * full; images, audio and binary resources as a size only (base64 media would blow the 256 KiB
 * Step Functions state limit and is of no use to the next node as a string).
 */
export type McpContentItem =
  | { readonly type: 'text'; readonly text: string }
  | { readonly type: 'json'; readonly value: unknown; readonly uri?: string }
  | { readonly type: 'resource'; readonly uri: string; readonly mimeType?: string; readonly text?: string; readonly bytes?: number }
  | { readonly type: 'image' | 'audio'; readonly mimeType: string; readonly bytes: number }
  | { readonly type: 'resource_link'; readonly uri: string; readonly name: string; readonly mimeType?: string };

/**
 * A tool result as a node output, with a fixed shape so templates can rely on it:
 * - `text`: every text item, joined with newlines;
 * - `json`: the structured result: `structuredContent` if the server sent it, else the first
 *   JSON resource, else `text` parsed as JSON when it is JSON (many servers send JSON as text),
 *   else null;
 * - `content`: the items themselves.
 */
export interface McpToolOutput {
  readonly text: string;
  readonly json: unknown;
  readonly content: readonly McpContentItem[];
}

export interface McpCallResult {
  readonly isError: boolean;
  readonly output: McpToolOutput;
}

export interface McpCallOptions {
  readonly signal?: AbortSignal;
}

/** A connected MCP session. Close it when done. */
export interface McpClient {
  readonly serverUrl: string;
  listTools(options?: McpCallOptions): Promise<McpToolInfo[]>;
  callTool(name: string, args: Record<string, unknown>, options?: McpCallOptions): Promise<McpCallResult>;
  close(): Promise<void>;
}

/** Opens MCP sessions; the tool runtime's dependency. */
export interface McpConnector {
  connect(serverUrl: string, options?: McpCallOptions): Promise<McpClient>;
}

export interface McpClientOptions {
  /** When given, only servers on these hosts are contacted (exact names or `*.suffix`). @default any host */
  readonly allowHosts?: readonly string[];
  /** Limit for each request (connect, list, call). @default 30000 */
  readonly timeoutMs?: number;
  /** Extra headers on every request (e.g. an API key the server expects). */
  readonly headers?: Record<string, string>;
  /** The fetch implementation. @default globalThis.fetch */
  readonly fetch?: typeof fetch;
}

const CLIENT_INFO = { name: 'stepflow', version: '0.1.0' };

function isJsonMime(mimeType: string | undefined): boolean {
  return mimeType !== undefined && /^application\/([\w.-]+\+)?json\b/i.test(mimeType);
}

function base64Bytes(data: string): number {
  return Math.floor((data.replace(/=+$/, '').length * 3) / 4);
}

interface RawContent {
  type?: unknown;
  text?: unknown;
  data?: unknown;
  mimeType?: unknown;
  uri?: unknown;
  name?: unknown;
  resource?: { uri?: unknown; mimeType?: unknown; text?: unknown; blob?: unknown };
}

const str = (v: unknown): string | undefined => (typeof v === 'string' ? v : undefined);

function mapContent(item: RawContent): McpContentItem | undefined {
  switch (item.type) {
    case 'text':
      return { type: 'text', text: str(item.text) ?? '' };
    case 'image':
    case 'audio':
      return { type: item.type, mimeType: str(item.mimeType) ?? 'application/octet-stream', bytes: base64Bytes(str(item.data) ?? '') };
    case 'resource_link': {
      const mimeType = str(item.mimeType);
      return { type: 'resource_link', uri: str(item.uri) ?? '', name: str(item.name) ?? '', ...(mimeType ? { mimeType } : {}) };
    }
    case 'resource': {
      const r = item.resource ?? {};
      const uri = str(r.uri) ?? '';
      const mimeType = str(r.mimeType);
      const text = str(r.text);
      if (text !== undefined && isJsonMime(mimeType)) {
        try {
          return { type: 'json', value: JSON.parse(text) as unknown, uri };
        } catch {
          // labelled JSON but not JSON: keep it as a text resource below
        }
      }
      const blob = str(r.blob);
      return { type: 'resource', uri, ...(mimeType ? { mimeType } : {}), ...(text !== undefined ? { text } : {}), ...(blob !== undefined ? { bytes: base64Bytes(blob) } : {}) };
    }
    default:
      return undefined; // a content type newer than this client: skipped rather than guessed at
  }
}

/**
 * Maps an MCP `CallToolResult` to a node output.
 *
 * @example
 * ```ts
 * mcpOutput({ content: [{ type: 'text', text: '{"temp":21}' }] }) // { text: '{"temp":21}', json: { temp: 21 }, content: [...] }
 * ```
 */
export function mcpOutput(result: { content?: unknown; structuredContent?: unknown }): McpToolOutput {
  const raw = Array.isArray(result.content) ? (result.content as RawContent[]) : [];
  const content = raw.map(mapContent).filter((c): c is McpContentItem => c !== undefined);
  const text = content.flatMap((c) => (c.type === 'text' ? [c.text] : [])).join('\n');
  let json: unknown = null;
  if (result.structuredContent !== undefined && result.structuredContent !== null) json = result.structuredContent;
  else {
    const item = content.find((c): c is Extract<McpContentItem, { type: 'json' }> => c.type === 'json');
    if (item) json = item.value;
    else if (/^\s*[[{"\d-]|^\s*(true|false|null)\s*$/.test(text)) {
      try {
        json = JSON.parse(text) as unknown;
      } catch {
        json = null;
      }
    }
  }
  return { text, json, content };
}

/**
 * Classifies an MCP failure: HTTP 429 -> Throttled, 5xx and unreachable -> Unavailable,
 * request timeout -> Timeout, anything else (JSON-RPC errors such as unknown tool or invalid
 * params, 4xx) -> ToolError.
 *
 * @example
 * ```ts
 * try { await client.callTool('x', {}) } catch (err) { throw mcpNodeError(err, 'mcp x') }
 * ```
 */
export function mcpNodeError(err: unknown, what: string): NodeError {
  if (err instanceof NodeError) return err;
  const message = (err as Error)?.message ?? String(err);
  // The SDK's errors carry a numeric code; other errors need not load the SDK to be classified.
  const sdk = loadedSdk ?? (typeof (err as { code?: unknown } | undefined)?.code === 'number' ? mcpSdk() : undefined);
  if (sdk && err instanceof sdk.StreamableHTTPError) {
    if (err.code === 429) return new NodeError(ErrorNames.Throttled, `${what}: server throttled the request (HTTP 429)`, { cause: err });
    if (err.code !== undefined && err.code >= 500) return new NodeError(ErrorNames.Unavailable, `${what}: server error: ${message}`, { cause: err });
    return new NodeError(ErrorNames.Tool, `${what}: ${message}`, { cause: err, retryable: false });
  }
  if (sdk && err instanceof sdk.McpError) {
    const { ErrorCode } = sdk;
    if (err.code === ErrorCode.RequestTimeout) return new NodeError(ErrorNames.Timeout, `${what}: ${message}`, { cause: err });
    if (err.code === ErrorCode.ConnectionClosed) return new NodeError(ErrorNames.Unavailable, `${what}: ${message}`, { cause: err });
    return new NodeError(ErrorNames.Tool, `${what}: ${message}`, { cause: err, retryable: false });
  }
  const code = (err as { cause?: { code?: unknown } })?.cause?.code;
  if ((err as Error)?.name === 'TypeError' && typeof code === 'string') {
    return new NodeError(ErrorNames.Unavailable, `${what}: connection failed (${code})`, { cause: err });
  }
  if ((err as Error)?.name === 'AbortError') return new NodeError(ErrorNames.Timeout, `${what}: aborted (${message})`, { cause: err, retryable: false });
  return new NodeError(ErrorNames.Tool, `${what}: ${message}`, { cause: err, retryable: false });
}

/**
 * Connects to an MCP server over Streamable HTTP.
 *
 * @throws {NodeError} when the URL is not http(s), its host is not allowed, or the server
 * cannot be reached or initialized (classified as by {@link mcpNodeError}).
 * @example
 * ```ts
 * const client = await mcpClient('https://mcp.example.com/mcp', { allowHosts: ['mcp.example.com'] });
 * try {
 *   const tools = await client.listTools();
 *   const { isError, output } = await client.callTool('get_weather', { city: 'Lisbon' });
 * } finally {
 *   await client.close();
 * }
 * ```
 */
export async function mcpClient(serverUrl: string, options: McpClientOptions & McpCallOptions = {}): Promise<McpClient> {
  const checked = options.allowHosts ? checkHttpUrl(serverUrl, options.allowHosts) : parseHttpUrl(serverUrl);
  if (!checked.ok) throw new NodeError(ErrorNames.Tool, `mcp server ${serverUrl} refused: ${checked.reason}`, { retryable: false });
  const timeout = options.timeoutMs ?? 30_000;
  const requestOptions = (o?: McpCallOptions) => ({ timeout, ...((o?.signal ?? options.signal) ? { signal: o?.signal ?? options.signal } : {}) });

  const { Client, StreamableHTTPClientTransport } = mcpSdk();
  const transport = new StreamableHTTPClientTransport(checked.url, {
    ...(options.headers ? { requestInit: { headers: options.headers } } : {}),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const client = new Client(CLIENT_INFO, { capabilities: {} });
  try {
    await client.connect(transport, requestOptions());
  } catch (err) {
    await client.close().catch(() => undefined);
    throw mcpNodeError(err, `mcp server ${serverUrl}: connect`);
  }

  return {
    serverUrl,
    async listTools(o) {
      const tools: McpToolInfo[] = [];
      let cursor: string | undefined;
      // Servers may page their tool list; a bound stops a server that never ends it.
      for (let page = 0; page < 20; page += 1) {
        let res;
        try {
          res = await client.listTools(cursor ? { cursor } : {}, requestOptions(o));
        } catch (err) {
          throw mcpNodeError(err, `mcp server ${serverUrl}: tools/list`);
        }
        for (const t of res.tools) {
          tools.push({ name: t.name, ...(t.description ? { description: t.description } : {}), inputSchema: t.inputSchema as Record<string, unknown> });
        }
        cursor = res.nextCursor;
        if (!cursor) break;
      }
      return tools;
    },
    async callTool(name, args, o) {
      let res;
      try {
        res = await client.callTool({ name, arguments: args }, undefined, requestOptions(o));
      } catch (err) {
        throw mcpNodeError(err, `mcp tool "${name}" on ${serverUrl}`);
      }
      // The SDK types the result as a union with an index signature, which `in` cannot narrow.
      const r = res as { content?: unknown; structuredContent?: unknown; isError?: unknown; toolResult?: unknown };
      // Pre-2024-11 servers may answer with { toolResult } instead of content.
      if (r.content === undefined && r.toolResult !== undefined) return { isError: false, output: { text: '', json: r.toolResult, content: [] } };
      return { isError: r.isError === true, output: mcpOutput(r) };
    },
    async close() {
      await client.close().catch(() => undefined);
    },
  };
}

/**
 * The real {@link McpConnector}: one {@link mcpClient} per `connect`.
 *
 * @example
 * ```ts
 * await runTool(invocation, { tools, mcp: mcpConnector({ allowHosts: ['*.internal.example.com'] }) });
 * ```
 */
export function mcpConnector(options: McpClientOptions = {}): McpConnector {
  return { connect: (serverUrl, o) => mcpClient(serverUrl, { ...options, ...(o?.signal ? { signal: o.signal } : {}) }) };
}

/** The text of an error result, for messages (bounded: a model may echo it back). */
export function mcpErrorText(output: McpToolOutput): string {
  const text = output.text.trim() || (output.json !== null ? JSON.stringify(output.json) : 'no details');
  return text.length > 2_000 ? `${text.slice(0, 2_000)}…` : text;
}

export interface McpToolDefinitionsOptions {
  /** How to reach the server. Pass one with `allowHosts` in deployments. @default mcpConnector() (any http(s) host) */
  readonly connector?: McpConnector;
  /** Prepended to each tool name, to keep tools from several servers apart (e.g. `weather_`). */
  readonly namePrefix?: string;
  readonly signal?: AbortSignal;
}

/**
 * Lists an MCP server's tools and returns them as {@link ToolDefinition}s: `jsonSchema` is the
 * server's `inputSchema` (what the model is shown), `args` validates against it with ajv, and
 * `run` calls the tool on a fresh connection, throwing with the server's text when the result
 * is an error (an agent reports that back to the model).
 *
 * @example
 * ```ts
 * const registry = new ToolRegistry();
 * for (const tool of await mcpToolDefinitions('https://mcp.example.com/mcp', { namePrefix: 'ex_' })) registry.register(tool);
 * ```
 */
export async function mcpToolDefinitions(serverUrl: string, options: McpToolDefinitionsOptions = {}): Promise<ToolDefinition[]> {
  const connector = options.connector ?? mcpConnector();
  const listing = await connector.connect(serverUrl, options.signal ? { signal: options.signal } : {});
  let tools: McpToolInfo[];
  try {
    tools = await listing.listTools(options.signal ? { signal: options.signal } : {});
  } finally {
    await listing.close();
  }
  return tools.map((info): ToolDefinition => {
    const args = jsonSchemaArgs(info.inputSchema);
    return {
      name: `${options.namePrefix ?? ''}${info.name}`,
      description: info.description ?? `MCP tool ${info.name} on ${serverUrl}`,
      args,
      jsonSchema: info.inputSchema,
      async run(a, ctx) {
        const signal = ctx.signal ? { signal: ctx.signal } : {};
        const client = await connector.connect(serverUrl, signal);
        try {
          const result = await client.callTool(info.name, a as Record<string, unknown>, signal);
          if (result.isError) throw new NodeError(ErrorNames.Tool, `mcp tool "${info.name}" returned an error: ${mcpErrorText(result.output)}`, { retryable: false });
          return result.output;
        } finally {
          await client.close();
        }
      },
    };
  });
}
