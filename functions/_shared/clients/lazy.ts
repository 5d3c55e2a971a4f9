import { tracer } from '../powertools';

/** Builds an SDK client on first use, traced by X-Ray, once per container. */
export function lazyClient<T extends object>(make: () => T): () => T {
  let value: T | undefined;
  return () => (value ??= tracer.captureAWSv3Client(make()));
}
