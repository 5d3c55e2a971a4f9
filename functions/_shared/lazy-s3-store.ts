/**
 * A bucket as an {@link ObjectStore} whose S3 client and SDK load on first use: most
 * invocations neither produce nor receive an output over 200 KB, and most API requests publish
 * nothing.
 */
import type { ObjectStore } from './large-output';

/**
 * @example
 * ```ts
 * const artifacts = lazyS3Store(env.ARTIFACTS_BUCKET); // no S3 code loaded yet
 * await artifacts.putJson('definitions/x.json', '{}'); // loads it now
 * ```
 */
export function lazyS3Store(bucket: string): ObjectStore {
  let store: ObjectStore | undefined;
  const get = (): ObjectStore => {
    if (!store) {
      /* eslint-disable @typescript-eslint/no-require-imports -- deliberately deferred loading */
      const { s3 } = require('./clients/s3') as typeof import('./clients/s3');
      const { S3ObjectStore } = require('./s3-object-store') as typeof import('./s3-object-store');
      /* eslint-enable @typescript-eslint/no-require-imports */
      store = new S3ObjectStore(s3(), bucket);
    }
    return store;
  };
  return { putJson: (key, body) => get().putJson(key, body), getJson: (ref) => get().getJson(ref) };
}
