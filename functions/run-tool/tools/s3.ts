/**
 * `s3_get` / `s3_put`: read and write text and JSON objects in allow-listed buckets.
 *
 * Both refuse buckets that are not on the list and keys with `.`/`..` path segments (S3 does
 * not resolve them, but anything that later mirrors keys onto a file system would), and both
 * bound object size, so a tool call cannot pull a large object into a Lambda's memory or the
 * execution state.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import * as z from 'zod/mini';
import '@shared/zod-en';
import { ErrorNames, NodeError } from '@shared/errors';
import { awsNodeError } from '../aws-errors';
import type { ToolDefinition } from '../tool-registry';

export interface S3ToolsOptions {
  readonly s3: S3Client;
  /** Buckets the tools may read and write. */
  readonly allowBuckets: readonly string[];
  /** Largest object read or written. @default 1048576 (1 MiB) */
  readonly maxBytes?: number;
}

/**
 * Why a key is refused, or undefined when it is fine.
 *
 * @example
 * ```ts
 * keyProblem('reports/../secrets.json') // 'key must not contain "." or ".." path segments'
 * ```
 */
export function keyProblem(key: string): string | undefined {
  if (key.startsWith('/')) return 'key must not start with "/"';
  if (key.split(/[/\\]/).some((segment) => segment === '..' || segment === '.')) return 'key must not contain "." or ".." path segments';
  for (const ch of key) {
    const code = ch.charCodeAt(0);
    if (code < 0x20 || code === 0x7f) return 'key must not contain control characters';
  }
  return undefined;
}

const bucketSchema = z.string().check(z.regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be an S3 bucket name (3-63 lower-case letters, digits, dots, hyphens)'));

const keySchema = z.string().check(
  z.minLength(1),
  z.maxLength(1024),
  z.superRefine((key, ctx) => {
    const problem = keyProblem(key);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  }),
);

function isJsonType(contentType: string): boolean {
  return /^application\/([\w.-]+\+)?json\b/i.test(contentType);
}

const getArgs = z.strictObject({
  bucket: bucketSchema.check(z.describe('Bucket name (must be one of the allowed buckets).')),
  key: keySchema.check(z.describe('Object key, e.g. "reports/2024/summary.json".')),
  format: z
    ._default(z.enum(['auto', 'text', 'json']), 'auto')
    .check(z.describe('How to return the body: "json" parses it, "text" returns it as a string, "auto" parses when the content type is JSON.')),
});

const putArgs = z.strictObject({
  bucket: bucketSchema.check(z.describe('Bucket name (must be one of the allowed buckets).')),
  key: keySchema.check(z.describe('Object key, e.g. "reports/2024/summary.json".')),
  body: z.unknown().check(
    z.refine((v) => v !== undefined, 'is required'),
    z.describe('The content: a string is stored as text, any other JSON value as JSON.'),
  ),
  contentType: z
    .optional(z.string().check(z.minLength(1), z.maxLength(256), z.regex(/^[\w.+-]+\/[\w.+-]+(\s*;.*)?$/, 'must be a MIME type like "text/csv"')))
    .check(z.describe('MIME type to store; defaults to application/json for JSON values and text/plain; charset=utf-8 for strings.')),
});

export interface S3GetResult {
  readonly bucket: string;
  readonly key: string;
  readonly contentType: string;
  readonly size: number;
  readonly etag: string | null;
  readonly lastModified: string | null;
  readonly body: unknown;
  readonly bodyEncoding: 'json' | 'text';
}

export interface S3PutResult {
  readonly bucket: string;
  readonly key: string;
  readonly contentType: string;
  readonly size: number;
  readonly etag: string | null;
}

/** A limit or format refusal raised while reading: passed through as is, not classified as an AWS error. */
class ReadRefusal extends Error {}

/** Stops an SDK body stream (a Node Readable on Lambda) so the rest of the object is not downloaded. */
function discard(body: unknown): void {
  const destroy = (body as { destroy?: unknown } | undefined)?.destroy;
  if (typeof destroy === 'function') (destroy as () => void).call(body);
}

async function readCapped(body: unknown, maxBytes: number, what: string): Promise<Uint8Array> {
  if (body === undefined || body === null) return new Uint8Array(0);
  if (typeof (body as AsyncIterable<Uint8Array>)[Symbol.asyncIterator] !== 'function') {
    throw new NodeError(ErrorNames.Internal, `${what}: unexpected S3 body type (not a stream)`);
  }
  const chunks: Uint8Array[] = [];
  let total = 0;
  for await (const chunk of body as AsyncIterable<Uint8Array>) {
    total += chunk.byteLength;
    if (total > maxBytes) {
      discard(body);
      throw new ReadRefusal(`${what}: object is larger than the limit of ${maxBytes} bytes`);
    }
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

/**
 * Creates `s3_get` and `s3_put` bound to one S3 client, bucket allow-list and size limit.
 *
 * @example
 * ```ts
 * const { get, put } = s3Tools({ s3: new S3Client({}), allowBuckets: ['acme-reports'], maxBytes: 512 * 1024 });
 * await put.run({ bucket: 'acme-reports', key: 'a.json', body: { n: 1 } }, {});
 * await get.run({ bucket: 'acme-reports', key: 'a.json', format: 'auto' }, {}) // { body: { n: 1 }, contentType: 'application/json', size: 7, ... }
 * ```
 */
export function s3Tools(options: S3ToolsOptions): { readonly get: ToolDefinition<typeof getArgs>; readonly put: ToolDefinition<typeof putArgs> } {
  const { s3 } = options;
  const allowBuckets = [...options.allowBuckets];
  const maxBytes = options.maxBytes ?? 1024 * 1024;
  const listed = allowBuckets.join(', ') || 'none';

  /** Run-time guard: `run` can be called without the schema (and the schema cannot know the list). */
  function refuse(tool: string, bucket: string, key: string): void {
    if (!allowBuckets.includes(bucket)) throw new Error(`${tool} refused s3://${bucket}/${key}: bucket "${bucket}" is not on the allow-list (${listed})`);
    const problem = keyProblem(key);
    if (problem) throw new Error(`${tool} refused s3://${bucket}/${key}: ${problem}`);
  }

  const get: ToolDefinition<typeof getArgs> = {
    name: 's3_get',
    description: `Reads a text or JSON object from S3 (at most ${maxBytes} bytes) and returns { body, contentType, size }. Buckets: ${listed}.`,
    args: getArgs,
    async run(a, ctx) {
      refuse('s3_get', a.bucket, a.key);
      const what = `s3_get s3://${a.bucket}/${a.key}`;
      let res;
      try {
        res = await s3.send(new GetObjectCommand({ Bucket: a.bucket, Key: a.key }), ctx.signal ? { abortSignal: ctx.signal } : {});
      } catch (err) {
        const name = (err as { name?: string }).name;
        if (name === 'NoSuchKey' || name === 'NotFound') throw new NodeError(ErrorNames.Tool, `${what}: no such object (NoSuchKey); check the key, or write it first`, { cause: err });
        if (name === 'NoSuchBucket') throw new NodeError(ErrorNames.Tool, `${what}: bucket "${a.bucket}" does not exist (NoSuchBucket)`, { cause: err });
        throw awsNodeError(err, what);
      }
      const size = res.ContentLength;
      if (size !== undefined && size > maxBytes) {
        discard(res.Body);
        throw new Error(`${what}: object is ${size} bytes, over the limit of ${maxBytes} bytes`);
      }
      let bytes: Uint8Array;
      try {
        bytes = await readCapped(res.Body, maxBytes, what);
      } catch (err) {
        if (err instanceof NodeError || err instanceof ReadRefusal) throw err;
        throw awsNodeError(err, what);
      }
      const contentType = res.ContentType ?? 'application/octet-stream';
      let text: string;
      try {
        text = new TextDecoder('utf-8', { fatal: true }).decode(bytes);
      } catch {
        throw new Error(`${what}: object is not UTF-8 text (content type ${contentType}); s3_get reads text and JSON only`);
      }
      const asJson = a.format === 'json' || (a.format === 'auto' && isJsonType(contentType));
      let body: unknown = text;
      if (asJson) {
        try {
          body = JSON.parse(text) as unknown;
        } catch (err) {
          throw new Error(`${what}: object is not valid JSON (${(err as Error).message}); use format "text" to read it as text`);
        }
      }
      return {
        bucket: a.bucket,
        key: a.key,
        contentType,
        size: bytes.byteLength,
        etag: res.ETag ?? null,
        lastModified: res.LastModified?.toISOString() ?? null,
        body,
        bodyEncoding: asJson ? 'json' : 'text',
      } satisfies S3GetResult;
    },
  };

  const put: ToolDefinition<typeof putArgs> = {
    name: 's3_put',
    description: `Writes text or JSON to an S3 object (at most ${maxBytes} bytes), replacing any existing object. Buckets: ${listed}.`,
    args: putArgs,
    async run(a, ctx) {
      refuse('s3_put', a.bucket, a.key);
      const what = `s3_put s3://${a.bucket}/${a.key}`;
      const isText = typeof a.body === 'string';
      const text = isText ? (a.body as string) : JSON.stringify(a.body);
      if (text === undefined) throw new Error(`${what}: body is not a JSON value`);
      const bytes = Buffer.from(text, 'utf8');
      if (bytes.byteLength > maxBytes) throw new Error(`${what}: body is ${bytes.byteLength} bytes, over the limit of ${maxBytes} bytes`);
      const contentType = a.contentType ?? (isText ? 'text/plain; charset=utf-8' : 'application/json');
      try {
        const res = await s3.send(
          new PutObjectCommand({ Bucket: a.bucket, Key: a.key, Body: bytes, ContentType: contentType, ContentLength: bytes.byteLength }),
          ctx.signal ? { abortSignal: ctx.signal } : {},
        );
        return { bucket: a.bucket, key: a.key, contentType, size: bytes.byteLength, etag: res.ETag ?? null } satisfies S3PutResult;
      } catch (err) {
        if ((err as { name?: string }).name === 'NoSuchBucket') throw new NodeError(ErrorNames.Tool, `${what}: bucket "${a.bucket}" does not exist (NoSuchBucket)`, { cause: err });
        throw awsNodeError(err, what);
      }
    },
  };

  return { get, put };
}
