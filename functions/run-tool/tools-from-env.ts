/**
 * The tool registry a deployed runtime gets: the deterministic built-ins, plus http_request and
 * the S3 tools when their allow-lists are configured (empty lists register nothing: a tool that
 * can reach no host is worse than no tool, because a model would keep trying it).
 */
import type { Env } from '../_shared/env';
import type { ToolRegistry } from './tool-registry';
import { builtinTools } from './tools';

export function toolsFromEnv(env: Pick<Env, 'TOOL_HTTP_ALLOW_HOSTS' | 'TOOL_HTTP_TIMEOUT_MS' | 'TOOL_HTTP_MAX_BYTES' | 'TOOL_S3_ALLOW_BUCKETS'>): ToolRegistry {
  return builtinTools({
    ...(env.TOOL_HTTP_ALLOW_HOSTS.length > 0 ? { http: { allowHosts: env.TOOL_HTTP_ALLOW_HOSTS, timeoutMs: env.TOOL_HTTP_TIMEOUT_MS, maxResponseBytes: env.TOOL_HTTP_MAX_BYTES } } : {}),
    // The S3 client (and SDK) load only when S3 tools are configured.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- deliberately deferred loading
    ...(env.TOOL_S3_ALLOW_BUCKETS.length > 0 ? { s3: { s3: (require('../_shared/clients/s3') as typeof import('../_shared/clients/s3')).s3(), allowBuckets: env.TOOL_S3_ALLOW_BUCKETS } } : {}),
  });
}
