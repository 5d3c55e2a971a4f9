/**
 * Webhook triggers, the same on AWS and locally: `POST /hooks/<hook id>` with the JSON input as
 * the body, signed `x-stepflow-signature: sha256=<hex HMAC-SHA256 of the raw body with the hook's
 * secret>` (compared in constant time). The body must be a JSON object: it becomes the input.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export const SIGNATURE_HEADER = 'x-stepflow-signature';

/** The signature header value for a body (what a sender computes). */
export function signWebhook(secret: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(body, 'utf8').digest('hex')}`;
}

export type WebhookCheck = { ok: true; input: Record<string, unknown> } | { ok: false; statusCode: 400 | 401; code: string; message: string };

/**
 * @example
 * ```ts
 * const check = checkWebhook(secret, rawBody, headers['x-stepflow-signature']);
 * if (!check.ok) return json(check.statusCode, { error: { code: check.code, message: check.message } });
 * ```
 */
export function checkWebhook(secret: string, body: string, signature: string | undefined): WebhookCheck {
  if (!signature) return { ok: false, statusCode: 401, code: 'UNAUTHORIZED', message: `sign the body: ${SIGNATURE_HEADER}: sha256=<hex HMAC-SHA256 of the body with the hook secret>` };
  const expected = Buffer.from(signWebhook(secret, body));
  const given = Buffer.from(signature.trim());
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) return { ok: false, statusCode: 401, code: 'UNAUTHORIZED', message: 'the signature does not match the body' };
  let input: unknown;
  try {
    input = body.length === 0 ? {} : JSON.parse(body);
  } catch (err) {
    return { ok: false, statusCode: 400, code: 'VALIDATION', message: `the body is not valid JSON: ${(err as Error).message}` };
  }
  if (typeof input !== 'object' || input === null || Array.isArray(input)) return { ok: false, statusCode: 400, code: 'VALIDATION', message: 'the body must be a JSON object (it becomes the execution input)' };
  return { ok: true, input: input as Record<string, unknown> };
}
