/**
 * A real S3-protocol server (s3rver) on 127.0.0.1 for tests, with its own temporary directory.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { S3Client } from '@aws-sdk/client-s3';
// eslint-disable-next-line @typescript-eslint/no-require-imports -- s3rver ships CommonJS without types
const S3rver = require('s3rver') as new (opts: Record<string, unknown>) => { run(): Promise<{ address: string; port: number }>; close(): Promise<void> };

export interface LocalS3 {
  readonly client: S3Client;
  readonly endpoint: string;
  stop(): Promise<void>;
}

export async function startS3(buckets: readonly string[]): Promise<LocalS3> {
  const directory = await mkdtemp(path.join(tmpdir(), 'stepflow-s3-'));
  const server = new S3rver({ port: 0, address: '127.0.0.1', silent: true, directory, configureBuckets: buckets.map((name) => ({ name })) });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials: { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' }, maxAttempts: 1 });
  return {
    client,
    endpoint,
    stop: async () => {
      client.destroy();
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
