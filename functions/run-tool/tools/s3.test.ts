import { Readable } from 'node:stream';
import { GetObjectCommand, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { ErrorNames, NodeError } from '@shared/errors';
import { startS3, type LocalS3 } from '../test-support/s3';
import { keyProblem, s3Tools } from './s3';

const BUCKET = 'stepflow-tools';
let local: LocalS3;

beforeAll(async () => {
  local = await startS3([BUCKET, 'other-bucket']);
});
afterAll(async () => {
  await local.stop();
});

function tools(maxBytes = 10_000) {
  return s3Tools({ s3: local.client, allowBuckets: [BUCKET], maxBytes });
}

async function failure(p: Promise<unknown>): Promise<Error> {
  const err = await p.then(
    () => undefined,
    (e: unknown) => e,
  );
  if (!(err instanceof Error)) throw new Error('expected the call to fail');
  return err;
}

describe('s3_put / s3_get against s3rver', () => {
  it('writes JSON and reads it back parsed, with content type and size', async () => {
    const { get, put } = tools();
    const written = await put.run(put.args.parse({ bucket: BUCKET, key: 'runs/r1/summary.json', body: { total: 3, items: ['a'] } }), {});
    expect(written).toMatchObject({ bucket: BUCKET, key: 'runs/r1/summary.json', contentType: 'application/json', size: 25 });
    const read = await get.run(get.args.parse({ bucket: BUCKET, key: 'runs/r1/summary.json' }), {});
    expect(read).toMatchObject({ contentType: 'application/json', size: 25, body: { total: 3, items: ['a'] }, bodyEncoding: 'json' });
    expect((read as { lastModified: string }).lastModified).toMatch(/^\d{4}-\d\d-\d\dT/);
  });

  it('writes text with a content type and reads it back as text', async () => {
    const { get, put } = tools();
    await put.run(put.args.parse({ bucket: BUCKET, key: 'notes/a.csv', body: 'a,b\n1,2\n', contentType: 'text/csv' }), {});
    await expect(get.run(get.args.parse({ bucket: BUCKET, key: 'notes/a.csv' }), {})).resolves.toMatchObject({ contentType: 'text/csv', size: 8, body: 'a,b\n1,2\n', bodyEncoding: 'text' });
    await put.run(put.args.parse({ bucket: BUCKET, key: 'notes/b.txt', body: 'héllo' }), {});
    await expect(get.run(get.args.parse({ bucket: BUCKET, key: 'notes/b.txt' }), {})).resolves.toMatchObject({ contentType: 'text/plain; charset=utf-8', size: 6, body: 'héllo' });
  });

  it('honours format: text keeps JSON as a string, json parses text and reports invalid JSON', async () => {
    const { get, put } = tools();
    await put.run(put.args.parse({ bucket: BUCKET, key: 'f/data.json', body: [1, 2] }), {});
    await expect(get.run(get.args.parse({ bucket: BUCKET, key: 'f/data.json', format: 'text' }), {})).resolves.toMatchObject({ body: '[1,2]', bodyEncoding: 'text' });
    await put.run(put.args.parse({ bucket: BUCKET, key: 'f/plain.txt', body: '{"x":1}' }), {});
    await expect(get.run(get.args.parse({ bucket: BUCKET, key: 'f/plain.txt', format: 'json' }), {})).resolves.toMatchObject({ body: { x: 1 } });
    await put.run(put.args.parse({ bucket: BUCKET, key: 'f/broken.txt', body: '{x' }), {});
    await expect(get.run(get.args.parse({ bucket: BUCKET, key: 'f/broken.txt', format: 'json' }), {})).rejects.toThrow(`s3_get s3://${BUCKET}/f/broken.txt: object is not valid JSON`);
  });

  it('turns NoSuchKey into a clear tool error', async () => {
    const { get } = tools();
    const err = await failure(get.run(get.args.parse({ bucket: BUCKET, key: 'missing/x.json' }), {}));
    expect(err).toBeInstanceOf(NodeError);
    expect(err).toMatchObject({ name: ErrorNames.Tool, retryable: false, message: `s3_get s3://${BUCKET}/missing/x.json: no such object (NoSuchKey); check the key, or write it first` });
  });

  it('refuses an object over the size limit', async () => {
    await local.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'big/blob.txt', Body: 'x'.repeat(5_000), ContentType: 'text/plain' }));
    const { get } = tools(1_000);
    await expect(get.run(get.args.parse({ bucket: BUCKET, key: 'big/blob.txt' }), {})).rejects.toThrow(`s3_get s3://${BUCKET}/big/blob.txt: object is 5000 bytes, over the limit of 1000 bytes`);
  });

  it('refuses a body over the size limit before writing', async () => {
    const { put, get } = tools(100);
    await expect(put.run(put.args.parse({ bucket: BUCKET, key: 'big/too.txt', body: 'y'.repeat(101) }), {})).rejects.toThrow('body is 101 bytes, over the limit of 100 bytes');
    await expect(get.run(get.args.parse({ bucket: BUCKET, key: 'big/too.txt' }), {})).rejects.toThrow('NoSuchKey');
  });

  it('refuses binary objects (not UTF-8)', async () => {
    await local.client.send(new PutObjectCommand({ Bucket: BUCKET, Key: 'bin/x.png', Body: Buffer.from([0x89, 0x50, 0xff, 0xfe]), ContentType: 'image/png' }));
    const { get } = tools();
    await expect(get.run(get.args.parse({ bucket: BUCKET, key: 'bin/x.png' }), {})).rejects.toThrow('object is not UTF-8 text (content type image/png)');
  });

  it('refuses buckets that are not allowed, without calling S3', async () => {
    const { get, put } = tools();
    await local.client.send(new PutObjectCommand({ Bucket: 'other-bucket', Key: 'secret.txt', Body: 'secret' }));
    await expect(get.run(get.args.parse({ bucket: 'other-bucket', key: 'secret.txt' }), {})).rejects.toThrow(
      `s3_get refused s3://other-bucket/secret.txt: bucket "other-bucket" is not on the allow-list (${BUCKET})`,
    );
    await expect(put.run(put.args.parse({ bucket: 'other-bucket', key: 'x.txt', body: 'x' }), {})).rejects.toThrow('bucket "other-bucket" is not on the allow-list');
  });
});

describe('s3 tool arguments', () => {
  const { get, put } = s3Tools({ s3: new S3Client({ region: 'us-east-1' }), allowBuckets: [BUCKET] });

  it.each(['../etc/passwd', 'a/../b', 'a/./b', '..', 'a\\..\\b', '/abs/key', 'a\u0000b'])('refuses the key %j', (key) => {
    const parsed = get.args.safeParse({ bucket: BUCKET, key });
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(['key']);
    expect(keyProblem(key)).toBeDefined();
  });

  it('accepts ordinary keys, dots included', () => {
    for (const key of ['a.json', 'reports/2024/q1..q2.csv', '.hidden/x', 'a b/c']) expect(keyProblem(key)).toBeUndefined();
  });

  it('refuses a traversal key at run time too (run called without the schema)', async () => {
    await expect(get.run({ bucket: BUCKET, key: 'a/../b', format: 'auto' }, {})).rejects.toThrow('refused s3://stepflow-tools/a/../b: key must not contain "." or ".." path segments');
  });

  it('validates bucket names, content types and requires a body', () => {
    expect(get.args.safeParse({ bucket: 'Bad_Bucket', key: 'k' }).error?.issues[0]?.path).toEqual(['bucket']);
    expect(put.args.safeParse({ bucket: BUCKET, key: 'k', body: 'x', contentType: 'not a type' }).error?.issues[0]?.path).toEqual(['contentType']);
    expect(put.args.safeParse({ bucket: BUCKET, key: 'k' }).error?.issues[0]?.path).toEqual(['body']);
  });
});

describe('s3 tools with a mocked client', () => {
  const s3 = new S3Client({ region: 'us-east-1' });
  const mock = mockClient(s3);
  afterEach(() => mock.reset());
  afterAll(() => mock.restore());

  it('stops reading a stream that passes the limit when no length was declared', async () => {
    let pulled = 0;
    const body = Readable.from(
      (function* () {
        for (let i = 0; i < 1_000; i += 1) {
          pulled += 1;
          yield Buffer.alloc(1_000, 97);
        }
      })(),
    );
    mock.on(GetObjectCommand).resolves({ Body: body as never, ContentType: 'text/plain' });
    const { get } = s3Tools({ s3, allowBuckets: [BUCKET], maxBytes: 2_500 });
    await expect(get.run({ bucket: BUCKET, key: 'k', format: 'auto' }, {})).rejects.toThrow('object is larger than the limit of 2500 bytes');
    expect(pulled).toBeLessThan(10);
    expect(body.destroyed).toBe(true);
  });

  it('maps throttling to Stepflow.Throttled and server faults to Stepflow.Unavailable', async () => {
    const { get, put } = s3Tools({ s3, allowBuckets: [BUCKET] });
    mock.on(GetObjectCommand).rejects(new S3ServiceException({ name: 'SlowDown', $fault: 'server', $metadata: { httpStatusCode: 503 }, message: 'Please reduce your request rate.' }));
    await expect(get.run({ bucket: BUCKET, key: 'k', format: 'auto' }, {})).rejects.toMatchObject({ name: ErrorNames.Throttled, retryable: true });
    mock.on(PutObjectCommand).rejects(new S3ServiceException({ name: 'InternalError', $fault: 'server', $metadata: { httpStatusCode: 500 }, message: 'We encountered an internal error.' }));
    await expect(put.run({ bucket: BUCKET, key: 'k', body: 'x' }, {})).rejects.toMatchObject({ name: ErrorNames.Unavailable, retryable: true });
    mock.on(PutObjectCommand).rejects(new S3ServiceException({ name: 'AccessDenied', $fault: 'client', $metadata: { httpStatusCode: 403 }, message: 'Access Denied' }));
    await expect(put.run({ bucket: BUCKET, key: 'k', body: 'x' }, {})).rejects.toMatchObject({ name: ErrorNames.Tool, retryable: false, message: `s3_put s3://${BUCKET}/k: AccessDenied: Access Denied` });
  });

  it('sends the exact PutObject request', async () => {
    mock.on(PutObjectCommand).resolves({ ETag: '"e1"' });
    const { put } = s3Tools({ s3, allowBuckets: [BUCKET] });
    await expect(put.run({ bucket: BUCKET, key: 'k.json', body: { a: 1 } }, {})).resolves.toEqual({ bucket: BUCKET, key: 'k.json', contentType: 'application/json', size: 7, etag: '"e1"' });
    const input = mock.commandCalls(PutObjectCommand)[0]?.args[0].input;
    expect(input).toMatchObject({ Bucket: BUCKET, Key: 'k.json', ContentType: 'application/json', ContentLength: 7 });
    expect(Buffer.from(input?.Body as Uint8Array).toString()).toBe('{"a":1}');
  });
});
