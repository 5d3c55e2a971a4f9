/**
 * The S3 adapter of the large-output store. Kept apart from large-output.ts so a handler loads the
 * S3 client only when an output is actually large or a reference must be resolved.
 */
import { GetObjectCommand, PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import type { ObjectStore, StoredRef } from './large-output';

/**
 * @example
 * ```ts
 * const store = new S3ObjectStore(new S3Client({}), 'stepflow-artifacts-123');
 * ```
 */
export class S3ObjectStore implements ObjectStore {
  constructor(
    private readonly s3: S3Client,
    private readonly bucket: string,
  ) {}

  async putJson(key: string, body: string): Promise<StoredRef> {
    await this.s3.send(new PutObjectCommand({ Bucket: this.bucket, Key: key, Body: body, ContentType: 'application/json' }));
    return { bucket: this.bucket, key, bytes: Buffer.byteLength(body) };
  }

  async getJson(ref: StoredRef): Promise<string> {
    const res = await this.s3.send(new GetObjectCommand({ Bucket: ref.bucket, Key: ref.key }));
    return (await res.Body?.transformToString('utf8')) ?? 'null';
  }
}

