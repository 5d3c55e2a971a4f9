import { LambdaClient } from '@aws-sdk/client-lambda';
import { lazyClient } from './lazy';

export const lambda = lazyClient(() => new LambdaClient({}));
