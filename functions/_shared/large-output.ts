/**
 * Outputs too large for Step Functions' 256 KB state payload go to S3 and travel as references
 * (`{ "$stepflowRef": { bucket, key, bytes } }`). Runtimes resolve references in the results
 * they receive before rendering their config, so a downstream node never sees the difference.
 */
import { randomUUID } from 'node:crypto';
import type { NodeInvocation, NodeResult } from '@shared/runtime';

/** Outputs above this many bytes of JSON are stored in S3. */
export const LARGE_OUTPUT_BYTES = 200 * 1024;
export const REF_KEY = '$stepflowRef';

export interface StoredRef {
  readonly bucket: string;
  readonly key: string;
  readonly bytes: number;
}

export interface ObjectStore {
  putJson(key: string, body: string): Promise<StoredRef>;
  getJson(ref: StoredRef): Promise<string>;
}

export function isStoredRef(value: unknown): value is { [REF_KEY]: StoredRef } {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return false;
  const ref = (value as Record<string, unknown>)[REF_KEY] as Partial<StoredRef> | undefined;
  return Object.keys(value).length === 1 && typeof ref?.bucket === 'string' && typeof ref.key === 'string';
}

const safe = (s: string) => s.replace(/[^A-Za-z0-9._-]/g, '_').slice(-200);

/**
 * Stores a result's output in S3 when it is larger than {@link LARGE_OUTPUT_BYTES}.
 * @example
 * ```ts
 * return offloadLargeOutput(result, invocation, store);
 * ```
 */
export async function offloadLargeOutput(result: NodeResult, invocation: NodeInvocation, store: ObjectStore, limit = LARGE_OUTPUT_BYTES): Promise<NodeResult> {
  const json = JSON.stringify(result.output ?? null);
  if (Buffer.byteLength(json) <= limit) return result;
  const key = `executions/${safe(invocation.execution.id)}/${safe(invocation.node.id)}/${randomUUID()}.json`;
  const ref = await store.putJson(key, json);
  return { ...result, output: { [REF_KEY]: ref } };
}

/**
 * Replaces stored references in the upstream results and input a runtime received.
 * @example
 * ```ts
 * const inv = await resolveStoredRefs(parsedInvocation, store);
 * ```
 */
export async function resolveStoredRefs(invocation: NodeInvocation, store: ObjectStore): Promise<NodeInvocation> {
  const nodes: Record<string, unknown> = {};
  for (const [id, result] of Object.entries(invocation.nodes)) {
    const output = (result as { output?: unknown } | null)?.output;
    nodes[id] = isStoredRef(output) ? { ...(result as object), output: JSON.parse(await store.getJson(output[REF_KEY])) } : result;
  }
  return { ...invocation, nodes };
}
