/**
 * The tool node's config (its own module, so the tool runtime builds only this schema at cold start).
 *
 * @example
 * ```ts
 * toolConfigSchema.parse({ kind: 'builtin', name: 'calculator', args: { expression: '6 * 7' } });
 * ```
 */
import * as z from 'zod/mini';
import '../zod-en';
import { mappingSchema } from './common';

export const toolConfigSchema = z.discriminatedUnion('kind', [
  z.strictObject({
    kind: z.literal('builtin'),
    /** A tool registered in the tool registry (e.g. http_request, calculator). */
    name: z.string().check(z.minLength(1), z.maxLength(128)),
    args: z._default(mappingSchema, {}),
  }),
  z.strictObject({
    kind: z.literal('lambda'),
    functionArn: z.string().check(z.regex(/^arn:aws[a-z-]*:lambda:[a-z0-9-]+:\d{12}:function:[A-Za-z0-9-_]+(:[A-Za-z0-9-_$]+)?$/, 'must be a Lambda function ARN')),
    payload: z._default(mappingSchema, {}),
  }),
  z.strictObject({
    kind: z.literal('mcp'),
    serverUrl: z.url(),
    toolName: z.string().check(z.minLength(1), z.maxLength(128)),
    args: z._default(mappingSchema, {}),
  }),
]);
