/**
 * The local development token issuer: an RS256 key pair kept on disk, a JWKS document for the
 * local platform to serve at {@link DEV_JWKS_PATH}, and development tokens signed with
 * node:crypto. Tokens it issues verify with `createJwtAuthenticator({ issuer, audience })`
 * exactly as Cognito tokens do on AWS, so the control plane runs one code path in both places.
 *
 * Development only: anyone who can read the key directory can mint tokens for any tenant.
 */
import { createHash, createPrivateKey, createPublicKey, generateKeyPair, sign, type KeyObject } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { isRole, type Role } from '@shared/auth';

/** Where the local platform mounts {@link DevIssuer.jwks} on its HTTP server. */
export const DEV_JWKS_PATH = '/.well-known/jwks.json';

/** File name of the persisted private key (PKCS#8 PEM, mode 0600) inside the key directory. */
export const DEV_KEY_FILE = 'dev-issuer-private-key.pem';

/** One public signing key, as published in a JWKS. */
export interface RsaSigningJwk {
  readonly kty: 'RSA';
  readonly n: string;
  readonly e: string;
  readonly kid: string;
  readonly alg: 'RS256';
  readonly use: 'sig';
}

/** A JSON Web Key Set document (RFC 7517). */
export interface JwksDocument {
  readonly keys: readonly RsaSigningJwk[];
}

/** What a development token says about its holder. */
export interface DevTokenRequest {
  readonly tenantId: string;
  readonly userId: string;
  readonly roles: readonly Role[];
  /** @default 3600 */
  readonly expiresInSeconds?: number;
  /** When the token counts as issued (lets tests mint already-expired tokens). @default now */
  readonly issuedAt?: Date;
}

/** A running development issuer. */
export interface DevIssuer {
  /** The `iss` of every token (and what the authenticator must expect). */
  readonly issuer: string;
  /** The `aud` of every token. */
  readonly audience: string;
  /** The key id (`kid`): the RFC 7638 thumbprint of the public key, stable across restarts. */
  readonly keyId: string;
  /** The JWKS document to serve at {@link DEV_JWKS_PATH}. */
  jwks(): JwksDocument;
  /** Signs a development token with the claims `sub`, `tenant`, `roles`, `iss`, `aud`, `iat`, `exp`. */
  issueToken(request: DevTokenRequest): string;
  /** Signs an arbitrary claim set as an RS256 JWT with this issuer's key (for tools and tests). */
  signClaims(claims: Readonly<Record<string, unknown>>): string;
}

/** Options of {@link createDevIssuer}. */
export interface DevIssuerOptions {
  /** Directory holding the key pair; created (mode 0700) if missing. */
  readonly keyDirectory: string;
  /** The issuer URL, normally the local platform's base URL, e.g. `http://127.0.0.1:4000`. */
  readonly issuer: string;
  /** The audience tokens are issued for. @default 'stepflow-local' */
  readonly audience?: string;
}

const generateKeyPairAsync = promisify(generateKeyPair);

const b64url = (data: Buffer | string): string => Buffer.from(data).toString('base64url');

/**
 * Loads the development private key from `keyDirectory`, or generates a 2048-bit RSA key and
 * saves it there (PKCS#8 PEM, mode 0600) on first start. Two processes starting at once agree on
 * one key: the file is created exclusively and the loser reads the winner's key.
 *
 * @example
 * ```ts
 * const key = await loadOrCreateDevSigningKey('.stepflow/keys');
 * key.asymmetricKeyType // 'rsa'
 * ```
 */
export async function loadOrCreateDevSigningKey(keyDirectory: string): Promise<KeyObject> {
  const file = join(keyDirectory, DEV_KEY_FILE);
  const existing = await readPem(file);
  if (existing !== undefined) return parsePrivateKey(existing, file);

  await mkdir(keyDirectory, { recursive: true, mode: 0o700 });
  const { privateKey } = await generateKeyPairAsync('rsa', { modulusLength: 2048 });
  const pem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  try {
    await writeFile(file, pem, { mode: 0o600, flag: 'wx' });
    return privateKey;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    const winner = await readPem(file);
    if (winner === undefined) throw err;
    return parsePrivateKey(winner, file);
  }
}

async function readPem(file: string): Promise<string | undefined> {
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw err;
  }
}

function parsePrivateKey(pem: string, file: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch (err) {
    throw new Error(`The development signing key ${file} is not a valid PEM private key; delete it to generate a new one.`, { cause: err });
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new Error(`The development signing key ${file} is a ${String(key.asymmetricKeyType)} key, expected rsa; delete it to generate a new one.`);
  }
  return key;
}

/** The public JWK of `privateKey`, with its RFC 7638 thumbprint as `kid`. */
function publicJwk(privateKey: KeyObject): RsaSigningJwk {
  const jwk = createPublicKey(privateKey).export({ format: 'jwk' });
  if (typeof jwk.n !== 'string' || typeof jwk.e !== 'string') throw new Error('The development signing key has no RSA modulus.');
  // RFC 7638: the required members, in lexicographic order, without whitespace.
  const thumbprint = createHash('sha256').update(JSON.stringify({ e: jwk.e, kty: 'RSA', n: jwk.n })).digest('base64url');
  return { kty: 'RSA', n: jwk.n, e: jwk.e, kid: thumbprint, alg: 'RS256', use: 'sig' };
}

/**
 * Starts the local development issuer: loads (or creates) the key pair in `keyDirectory` and
 * returns an issuer that serves the JWKS and signs development tokens.
 *
 * @example
 * ```ts
 * const dev = await createDevIssuer({ keyDirectory: '.stepflow/keys', issuer: 'http://127.0.0.1:4000' });
 * server.get(DEV_JWKS_PATH, () => dev.jwks());
 * const token = dev.issueToken({ tenantId: 'acme', userId: 'ada', roles: ['owner'] });
 * const auth = createJwtAuthenticator({ issuer: dev.issuer, audience: dev.audience });
 * await auth.authenticate(token); // { tenantId: 'acme', userId: 'ada', roles: ['owner'], via: 'jwt' }
 * ```
 */
export async function createDevIssuer(options: DevIssuerOptions): Promise<DevIssuer> {
  const issuer = options.issuer.replace(/\/+$/, '');
  const audience = options.audience ?? 'stepflow-local';
  const privateKey = await loadOrCreateDevSigningKey(options.keyDirectory);
  const jwk = publicJwk(privateKey);
  const header = b64url(JSON.stringify({ alg: 'RS256', typ: 'JWT', kid: jwk.kid }));

  const signClaims = (claims: Readonly<Record<string, unknown>>): string => {
    const signingInput = `${header}.${b64url(JSON.stringify(claims))}`;
    // RSASSA-PKCS1-v1_5 with SHA-256 is node's default for RSA keys: that is RS256.
    const signature = sign('sha256', Buffer.from(signingInput), privateKey);
    return `${signingInput}.${b64url(signature)}`;
  };

  return {
    issuer,
    audience,
    keyId: jwk.kid,
    jwks: () => ({ keys: [jwk] }),
    signClaims,
    issueToken(request) {
      const expiresInSeconds = request.expiresInSeconds ?? 3600;
      if (!Number.isInteger(expiresInSeconds) || expiresInSeconds <= 0) {
        throw new RangeError(`expiresInSeconds must be a positive integer, received ${expiresInSeconds}.`);
      }
      if (request.tenantId.length === 0 || request.userId.length === 0) {
        throw new RangeError('tenantId and userId must be non-empty.');
      }
      const badRole = request.roles.find((role) => !isRole(role));
      if (badRole !== undefined) throw new RangeError(`Unknown role '${String(badRole)}'; expected owner, editor, runner or viewer.`);
      const iat = Math.floor((request.issuedAt ?? new Date()).getTime() / 1000);
      return signClaims({
        iss: issuer,
        aud: audience,
        sub: request.userId,
        tenant: request.tenantId,
        roles: [...request.roles],
        iat,
        exp: iat + expiresInSeconds,
      });
    },
  };
}
