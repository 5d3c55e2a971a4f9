import { S3Client } from '@aws-sdk/client-s3';
import { lazyClient } from './lazy';

// Path-style addressing for S3-protocol stand-ins (the local platform, tests).
export const s3 = lazyClient(() => new S3Client({ forcePathStyle: process.env.AWS_S3_FORCE_PATH_STYLE === 'true' }));
