/**
 * The parts of the MCP SDK the MCP client uses (about 70 KB, plus the ajv and zod copies it
 * imports): required by run-tool/mcp-client.ts on the first MCP connection. A module of this
 * folder must import only packages: bundleHandler emits it as a file of its own, compiled only
 * when first required (see bundle.ts). Static imports here (not `require` of the SDK) keep the
 * bundler on the SDK's ES module build.
 */
export { Client } from '@modelcontextprotocol/sdk/client/index.js';
export { StreamableHTTPClientTransport, StreamableHTTPError } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
export { ErrorCode, McpError } from '@modelcontextprotocol/sdk/types.js';
