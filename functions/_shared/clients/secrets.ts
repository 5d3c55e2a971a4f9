import { GetSecretValueCommand, SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { lazyClient } from './lazy';

export const secretsManager = lazyClient(() => new SecretsManagerClient({}));

const cache = new Map<string, Promise<string>>();
/** Reads a secret (cached for the container's life; never logged). */
export function secret(name: string): Promise<string> {
  let value = cache.get(name);
  if (!value) {
    value = secretsManager()
      .send(new GetSecretValueCommand({ SecretId: name }))
      .then((r) => r.SecretString ?? '');
    value.catch(() => cache.delete(name));
    cache.set(name, value);
  }
  return value;
}
