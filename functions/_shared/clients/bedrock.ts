import { BedrockRuntimeClient } from '@aws-sdk/client-bedrock-runtime';
import { lazyClient } from './lazy';

export const bedrock = lazyClient(() => new BedrockRuntimeClient({}));
