import { createHash, createPublicKey, verify } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDevIssuer, DEV_KEY_FILE, loadOrCreateDevSigningKey } from './dev-issuer';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'stepflow-dev-issuer-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const decode = (part: string): Record<string, unknown> => JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;

describe('createDevIssuer', () => {
  it('persists the private key as a 0600 PEM file on first start', async () => {
    await createDevIssuer({ keyDirectory: join(dir, 'keys'), issuer: 'http://127.0.0.1:1' });
    const file = join(dir, 'keys', DEV_KEY_FILE);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file, 'utf8')).toMatch(/^-----BEGIN PRIVATE KEY-----/);
  });

  it('reloads the same key after a restart, so earlier tokens still verify', async () => {
    const first = await createDevIssuer({ keyDirectory: dir, issuer: 'http://127.0.0.1:1' });
    const token = first.issueToken({ tenantId: 'acme', userId: 'ada', roles: ['owner'] });
    const second = await createDevIssuer({ keyDirectory: dir, issuer: 'http://127.0.0.1:1' });

    expect(second.keyId).toBe(first.keyId);
    expect(second.jwks()).toEqual(first.jwks());
    const [h, p, s] = token.split('.') as [string, string, string];
    const jwk = second.jwks().keys[0];
    const key = createPublicKey({ key: { kty: 'RSA', n: jwk?.n, e: jwk?.e }, format: 'jwk' });
    expect(verify('sha256', Buffer.from(`${h}.${p}`), key, Buffer.from(s, 'base64url'))).toBe(true);
  });

  it('generates different keys in different directories', async () => {
    const a = await createDevIssuer({ keyDirectory: join(dir, 'a'), issuer: 'http://127.0.0.1:1' });
    const b = await createDevIssuer({ keyDirectory: join(dir, 'b'), issuer: 'http://127.0.0.1:1' });
    expect(a.keyId).not.toBe(b.keyId);
  });

  it('agrees on one key when two processes start at once', async () => {
    const keys = await Promise.all([loadOrCreateDevSigningKey(dir), loadOrCreateDevSigningKey(dir), loadOrCreateDevSigningKey(dir)]);
    const pems = keys.map((k) => k.export({ type: 'pkcs8', format: 'pem' }).toString());
    const onDisk = await readFile(join(dir, DEV_KEY_FILE), 'utf8');
    expect(new Set(pems)).toEqual(new Set([onDisk]));
  });

  it('publishes one RS256 signing key whose kid is its RFC 7638 thumbprint', async () => {
    const dev = await createDevIssuer({ keyDirectory: dir, issuer: 'http://127.0.0.1:1/' });
    const { keys } = dev.jwks();
    expect(keys).toHaveLength(1);
    expect(keys[0]).toEqual({ kty: 'RSA', n: expect.any(String), e: 'AQAB', kid: dev.keyId, alg: 'RS256', use: 'sig' });
    expect(Buffer.from(keys[0]?.n ?? '', 'base64url')).toHaveLength(256); // 2048-bit modulus
    expect(keys[0]).not.toHaveProperty('d'); // no private part
    const thumb = createHash('sha256').update(`{"e":"AQAB","kty":"RSA","n":"${keys[0]?.n}"}`).digest('base64url');
    expect(dev.keyId).toBe(thumb);
  });

  it('issues RS256 JWTs with the identity claims and the requested lifetime', async () => {
    const dev = await createDevIssuer({ keyDirectory: dir, issuer: 'http://127.0.0.1:1/', audience: 'aud-x' });
    const issuedAt = new Date('2030-01-01T00:00:00Z');
    const token = dev.issueToken({ tenantId: 'acme', userId: 'ada', roles: ['editor', 'runner'], expiresInSeconds: 600, issuedAt });
    const [header, payload] = token.split('.') as [string, string, string];
    expect(decode(header)).toEqual({ alg: 'RS256', typ: 'JWT', kid: dev.keyId });
    expect(decode(payload)).toEqual({
      iss: 'http://127.0.0.1:1',
      aud: 'aud-x',
      sub: 'ada',
      tenant: 'acme',
      roles: ['editor', 'runner'],
      iat: 1893456000,
      exp: 1893456600,
    });
  });

  it.each([
    [{ expiresInSeconds: 0 }, /expiresInSeconds/],
    [{ expiresInSeconds: 1.5 }, /expiresInSeconds/],
    [{ tenantId: '' }, /non-empty/],
    [{ roles: ['admin'] }, /Unknown role 'admin'/],
  ])('refuses to issue a token for %p', async (override, message) => {
    const dev = await createDevIssuer({ keyDirectory: dir, issuer: 'http://127.0.0.1:1' });
    const request = { tenantId: 'acme', userId: 'ada', roles: ['owner'], ...override } as Parameters<typeof dev.issueToken>[0];
    expect(() => dev.issueToken(request)).toThrow(message);
  });

  it('names the file and the fix when the stored key is corrupt', async () => {
    await writeFile(join(dir, DEV_KEY_FILE), 'not a key', { mode: 0o600 });
    await expect(createDevIssuer({ keyDirectory: dir, issuer: 'http://127.0.0.1:1' })).rejects.toThrow(/not a valid PEM private key; delete it/);
  });
});
