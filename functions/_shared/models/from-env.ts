/**
 * The model chain a deployed runtime uses: Bedrock through the function's IAM role, OpenAI-
 * compatible endpoints with keys from Secrets Manager, and the local model only when the
 * deployment says MODEL_MODE=local (then every event says simulated).
 */
import type { ModelRef } from '@shared/workflow';
import { bedrock } from '../clients/bedrock';
import { createModelChain } from './factory';
import { LocalModel } from './local-model';
import type { ChatModel } from './types';

/** Secrets Manager (client and SDK) loads with the first secret read: Bedrock and local models never need it. */
// eslint-disable-next-line @typescript-eslint/no-require-imports -- deliberately deferred loading
const secret = (name: string) => (require('../clients/secrets') as typeof import('../clients/secrets')).secret(name);

export function modelsFromEnv(env: { MODEL_MODE: 'real' | 'local'; LOCAL_MODEL_FIXTURE?: string | undefined }): (refs: readonly ModelRef[]) => ChatModel {
  const local = env.LOCAL_MODEL_FIXTURE ? LocalModel.fromFile(env.LOCAL_MODEL_FIXTURE) : LocalModel.default();
  return (refs) => createModelChain(refs, { mode: env.MODEL_MODE, ...(env.MODEL_MODE === 'real' ? { bedrock: bedrock(), secrets: secret } : {}), local });
}
