/** The shared s3rver test stand-in (functions/_shared/test-support/s3.ts). */
export { startS3, type LocalS3 } from '../../_shared/test-support/s3';
