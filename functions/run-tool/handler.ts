import { lambda } from '../_shared/clients/lambda';
import { loadEnv } from '../_shared/env';
import { nodeHandler } from '../_shared/node-handler';
import { awsNodeDeps } from '../_shared/wiring';
import { mcpConnector } from './mcp-client';
import { runTool } from './run-tool';
import { toolsFromEnv } from './tools-from-env';

const env = loadEnv(['EVENT_BUS_NAME', 'ARTIFACTS_BUCKET', 'TABLE_NAME', 'DEFAULT_TENANT', 'TOOL_HTTP_ALLOW_HOSTS', 'TOOL_HTTP_TIMEOUT_MS', 'TOOL_HTTP_MAX_BYTES', 'TOOL_S3_ALLOW_BUCKETS', 'TOOL_MCP_ALLOW_HOSTS']);
const tools = toolsFromEnv(env);
const mcp = mcpConnector({ allowHosts: env.TOOL_MCP_ALLOW_HOSTS });

export const handler = nodeHandler((invocation, ctx) => runTool(invocation, { tools, lambda: lambda(), mcp, signal: ctx.signal }), awsNodeDeps(env));
