/**
 * The parts of the MCP SDK the MCP client uses, in one module that mcp-client.ts requires on the
 * first MCP connection. Static imports here (not `require` of the SDK itself) keep the bundler on
 * the SDK's ES module build, which shares the one copy of zod the rest of the bundle uses.
 */
export { Client } from '@modelcontextprotocol/sdk/client/index.js';
export { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
export { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
