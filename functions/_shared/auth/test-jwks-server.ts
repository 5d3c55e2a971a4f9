/**
 * Test support: a real HTTP server on 127.0.0.1 (port 0) serving a JWKS document at
 * /.well-known/jwks.json, as the local platform does. Stop it in afterAll.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DEV_JWKS_PATH, type JwksDocument } from './dev-issuer';

/** A running JWKS server. */
export interface JwksServer {
  /** Base URL, e.g. `http://127.0.0.1:53211` (use it as the issuer). */
  readonly url: string;
  /** `url` + the JWKS path. */
  readonly jwksUri: string;
  /** How many JWKS requests it has answered. */
  readonly requestCount: () => number;
  close(): Promise<void>;
}

/**
 * Starts a JWKS server whose document comes from `jwks()` at request time (so a test can swap it).
 * @example
 * ```ts
 * const server = await startJwksServer(() => dev.jwks());
 * afterAll(() => server.close());
 * ```
 */
export async function startJwksServer(jwks: () => JwksDocument | undefined): Promise<JwksServer> {
  let count = 0;
  const server = createServer((req, res) => {
    const doc = req.url === DEV_JWKS_PATH ? jwks() : undefined;
    if (doc === undefined) {
      res.writeHead(404).end();
      return;
    }
    count += 1;
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(doc));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    jwksUri: `${url}${DEV_JWKS_PATH}`,
    requestCount: () => count,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((err) => (err ? reject(err) : resolve()));
      }),
  };
}
