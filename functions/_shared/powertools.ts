/**
 * Powertools singletons, built once per Lambda container. Log lines are JSON with the request
 * id; secrets never reach them because handlers log ids and sizes, not payloads.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Tracer } from '@aws-lambda-powertools/tracer';

const serviceName = process.env.POWERTOOLS_SERVICE_NAME ?? 'stepflow';

export const logger = new Logger({ serviceName });
export const tracer = new Tracer({ serviceName, enabled: process.env.POWERTOOLS_TRACE_ENABLED !== 'false' && process.env.AWS_LAMBDA_FUNCTION_NAME !== undefined });
