import type { NodeInvocation } from '@shared/runtime';
import { LARGE_OUTPUT_BYTES, offloadLargeOutput, resolveStoredRefs, REF_KEY } from './large-output';
import { S3ObjectStore } from './s3-object-store';
import { startS3, type LocalS3 } from './test-support/s3';

const invocation = (nodes: Record<string, unknown> = {}): NodeInvocation => ({
  execution: { id: 'arn:aws:states:us-east-1:123456789012:execution:wf:run-1' },
  workflow: { name: 'wf' },
  node: { id: 'fetch', type: 'tool' },
  config: {},
  nodes,
});

describe('large outputs through S3 (s3rver)', () => {
  let s3: LocalS3;
  let store: S3ObjectStore;
  beforeAll(async () => {
    s3 = await startS3(['artifacts']);
    store = new S3ObjectStore(s3.client, 'artifacts');
  });
  afterAll(async () => {
    await s3.stop();
  });

  it('keeps small outputs inline', async () => {
    const result = { output: { text: 'small' } };
    expect(await offloadLargeOutput(result, invocation(), store)).toBe(result);
  });

  it('stores an output over 200 KB and a downstream runtime resolves it transparently', async () => {
    const big = { rows: Array.from({ length: 5000 }, (_, i) => ({ i, text: 'x'.repeat(40) })) };
    expect(JSON.stringify(big).length).toBeGreaterThan(LARGE_OUTPUT_BYTES);
    const stored = await offloadLargeOutput({ output: big, usage: undefined }, invocation(), store);
    const ref = (stored.output as Record<string, { bucket: string; key: string; bytes: number }>)[REF_KEY];
    expect(ref).toMatchObject({ bucket: 'artifacts', key: expect.stringMatching(/^executions\/arn_aws_states_us-east-1_123456789012_execution_wf_run-1\/fetch\/.+\.json$/) });
    expect(JSON.stringify(stored).length).toBeLessThan(1000);
    const downstream = await resolveStoredRefs(invocation({ fetch: stored, other: { output: 1 } }), store);
    expect(downstream.nodes).toEqual({ fetch: { output: big }, other: { output: 1 } });
  });
});
