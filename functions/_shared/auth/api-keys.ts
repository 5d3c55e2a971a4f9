/**
 * API keys: `sf_` followed by 32 random bytes in base64url (43 characters). The key is shown to
 * its creator once; only its SHA-256 hash is stored, and requests are matched by hash lookup
 * (the lookup is by an unguessable 256-bit value, so no constant-time compare is needed).
 * Keys are never logged and never appear in error messages.
 */
import { createHash, randomBytes } from 'node:crypto';
import { isRole, type Identity, type Role } from '@shared/auth';
import { UnauthorizedError, UnexpectedError } from '@shared/errors';

/** Every key starts with this, so secret scanners and humans can recognise one. */
export const API_KEY_PREFIX = 'sf_';

const API_KEY_PATTERN = /^sf_[A-Za-z0-9_-]{43}$/;

/** What the key store knows about a key, found by its hash. */
export interface ApiKeyRecord {
  readonly tenantId: string;
  readonly keyId: string;
  readonly role: Role;
  readonly revoked?: boolean;
}

/**
 * The port to the key store (implemented by `ApiKeyRepository` in functions/_shared/data/).
 * @example
 * ```ts
 * const lookup: ApiKeyLookup = { findByHash: async (hash) => repo.findByHash(hash) };
 * ```
 */
export interface ApiKeyLookup {
  /** The key whose SHA-256 hex hash is `hash`, or undefined if there is none. */
  findByHash(hash: string): Promise<ApiKeyRecord | undefined>;
}

/** A freshly generated key: give `key` to the user once, store only `hash`. */
export interface GeneratedApiKey {
  readonly key: string;
  readonly hash: string;
}

/**
 * Hashes an API key for storage and lookup: SHA-256, lowercase hex.
 * @example
 * ```ts
 * hashApiKey('sf_abc') // '9f1b…' (64 hex characters)
 * ```
 */
export function hashApiKey(key: string): string {
  return createHash('sha256').update(key, 'utf8').digest('hex');
}

/**
 * Generates a new API key and its storage hash.
 * @example
 * ```ts
 * const { key, hash } = generateApiKey();
 * await repo.put({ tenantId, keyId, role: 'runner', hash }); // store the hash only
 * return { key }; // shown to the user this once
 * ```
 */
export function generateApiKey(): GeneratedApiKey {
  const key = `${API_KEY_PREFIX}${randomBytes(32).toString('base64url')}`;
  return { key, hash: hashApiKey(key) };
}

/**
 * Authenticates the value of an `x-api-key` header.
 * Malformed keys are refused without a lookup; unknown and revoked keys get the same answer, so
 * the response does not reveal whether a key ever existed.
 *
 * @throws UnauthorizedError (401) when the key is missing, malformed, unknown or revoked.
 * @example
 * ```ts
 * const identity = await authenticateApiKey(headers['x-api-key'], repo);
 * // { tenantId: 'acme', userId: 'apikey:k-1', roles: ['runner'], via: 'api_key', keyId: 'k-1' }
 * ```
 */
export async function authenticateApiKey(header: string | undefined, lookup: ApiKeyLookup): Promise<Identity> {
  const key = header?.trim() ?? '';
  if (key.length === 0) throw new UnauthorizedError('The x-api-key header is empty. Send the key you were given when it was created.');
  if (!API_KEY_PATTERN.test(key)) {
    throw new UnauthorizedError(`The x-api-key header is not a Stepflow API key (expected '${API_KEY_PREFIX}' followed by 43 base64url characters).`);
  }
  const record = await lookup.findByHash(hashApiKey(key));
  if (record === undefined || record.revoked === true) {
    throw new UnauthorizedError('The API key is not valid: it is unknown or has been revoked. Ask a tenant owner for a new key.');
  }
  if (!isRole(record.role)) {
    // A stored record with a role we do not know is a data bug, not the caller's fault.
    throw new UnexpectedError(`API key ${record.keyId} is stored with unknown role '${String(record.role)}'.`);
  }
  return { tenantId: record.tenantId, userId: `apikey:${record.keyId}`, roles: [record.role], via: 'api_key', keyId: record.keyId };
}
