import { createHash } from 'node:crypto';
import { UnauthorizedError, UnexpectedError } from '@shared/errors';
import { API_KEY_PREFIX, authenticateApiKey, generateApiKey, hashApiKey, type ApiKeyLookup, type ApiKeyRecord } from './api-keys';
import { rejection } from './test-rejection';

/** An in-memory key store that records every hash it was asked for. */
function fakeStore(records: Record<string, ApiKeyRecord> = {}): ApiKeyLookup & { asked: string[] } {
  const asked: string[] = [];
  return {
    asked,
    findByHash: async (hash) => {
      asked.push(hash);
      return records[hash];
    },
  };
}


describe('generateApiKey', () => {
  it('makes sf_ + 32 random bytes in base64url, with the SHA-256 hex hash of the whole key', () => {
    const { key, hash } = generateApiKey();
    expect(key).toMatch(/^sf_[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(key.slice(API_KEY_PREFIX.length), 'base64url')).toHaveLength(32);
    expect(hash).toBe(createHash('sha256').update(key).digest('hex'));
    expect(hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('never repeats a key', () => {
    const keys = new Set(Array.from({ length: 200 }, () => generateApiKey().key));
    expect(keys.size).toBe(200);
  });
});

describe('hashApiKey', () => {
  it('is SHA-256 in lowercase hex (FIPS 180-2 test vector)', () => {
    expect(hashApiKey('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
  });
});

describe('authenticateApiKey', () => {
  const { key, hash } = generateApiKey();
  const record: ApiKeyRecord = { tenantId: 'acme', keyId: 'k-1', role: 'runner' };

  it('returns the identity of a known key, looked up by hash (never by the key itself)', async () => {
    const store = fakeStore({ [hash]: record });
    await expect(authenticateApiKey(key, store)).resolves.toEqual({
      tenantId: 'acme',
      userId: 'apikey:k-1',
      roles: ['runner'],
      via: 'api_key',
      keyId: 'k-1',
    });
    expect(store.asked).toEqual([hash]);
  });

  it('tolerates surrounding whitespace in the header', async () => {
    const identity = await authenticateApiKey(`  ${key}\n`, fakeStore({ [hash]: record }));
    expect(identity.keyId).toBe('k-1');
  });

  it('refuses a revoked key with 401', async () => {
    const err = await rejection(authenticateApiKey(key, fakeStore({ [hash]: { ...record, revoked: true } })));
    expect(err).toBeInstanceOf(UnauthorizedError);
    expect((err as UnauthorizedError).status).toBe(401);
    expect(err.message).toMatch(/unknown or has been revoked/);
    expect(err.message).not.toContain(key);
  });

  it('refuses an unknown key with 401, without echoing it', async () => {
    const other = generateApiKey().key;
    const err = await rejection(authenticateApiKey(other, fakeStore({ [hash]: record })));
    expect(err).toBeInstanceOf(UnauthorizedError);
    expect(err.message).not.toContain(other);
    expect(err.message).not.toContain(other.slice(3));
  });

  it.each([
    ['missing', undefined],
    ['empty', '   '],
    ['wrong prefix', `sk_${'a'.repeat(43)}`],
    ['too short', 'sf_abc'],
    ['bad characters', `sf_${'+'.repeat(43)}`],
  ])('refuses a %s key with 401 and no lookup', async (_label, header) => {
    const store = fakeStore({ [hash]: record });
    const err = await rejection(authenticateApiKey(header, store));
    expect(err).toBeInstanceOf(UnauthorizedError);
    expect(store.asked).toEqual([]);
    if (header !== undefined && header.trim() !== '') expect(err.message).not.toContain(header);
  });

  it('treats a stored record with an unknown role as a bug (UnexpectedError), not as access', async () => {
    const bad = { ...record, role: 'admin' } as unknown as ApiKeyRecord;
    const err = await rejection(authenticateApiKey(key, fakeStore({ [hash]: bad })));
    expect(err).toBeInstanceOf(UnexpectedError);
    expect(err.message).not.toContain(key);
  });
});
