import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import { lazyClient } from './lazy';

export const eventBridge = lazyClient(() => new EventBridgeClient({}));
