import { SFNClient } from '@aws-sdk/client-sfn';
import { lazyClient } from './lazy';

export const sfn = lazyClient(() => new SFNClient({}));
