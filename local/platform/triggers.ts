/**
 * Triggers on the local platform, as on AWS: each published workflow's `settings.triggers`
 * start it with no person involved.
 *  - webhook: `POST /hooks/<hook id>` signed with the hook's secret
 *    (`x-stepflow-signature: sha256=<hex HMAC-SHA256(secret, raw body)>`); the JSON body is the input;
 *  - s3: an object created in the bucket under the prefix; input `{ bucket, key, size, etag }`;
 *  - eventbridge: an event on the bus matching the pattern; the input is the event;
 *  - schedule: rate(...) or cron(...) (UTC); input `{ ...trigger input, scheduledTime }`.
 * Re-publishing a workflow replaces its triggers. Hook secrets persist in the data folder (the
 * local platform is a development tool; on AWS the secret lives hashed in DynamoDB).
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync, renameSync } from 'node:fs';
import path from 'node:path';
import { CreateBucketCommand, HeadBucketCommand, type S3Client } from '@aws-sdk/client-s3';
import type { Workflow } from '@shared/workflow';
import type { LocalEventBus } from '../eventbridge/bus';
import { checkWebhook } from '../../functions/_shared/webhooks';
import { parseSchedule } from './schedule';

export type TriggerStarter = (request: { tenantId: string; workflowId: string; input: Record<string, unknown>; idempotencyKey?: string }) => Promise<string>;

export interface TriggerManagerOptions {
  readonly bus: LocalEventBus;
  readonly s3: S3Client;
  readonly start: TriggerStarter;
  readonly dataDir: string;
  readonly log: (line: string) => void;
  /** Multiplies every schedule interval (tests and demos run minutes in milliseconds). @default 1 */
  readonly scheduleScale?: number;
}

interface Hook {
  readonly hookId: string;
  readonly tenantId: string;
  readonly workflowId: string;
  readonly secret: string;
  active: boolean;
}

interface Active {
  rules: string[];
  s3: Array<{ bucket: string; prefix: string }>;
  timers: NodeJS.Timeout[];
}

export { SIGNATURE_HEADER, signWebhook } from '../../functions/_shared/webhooks';

export class TriggerManager {
  private readonly active = new Map<string, Active>();
  private readonly hooks = new Map<string, Hook>();
  private readonly hooksFile: string;
  private closed = false;

  constructor(private readonly options: TriggerManagerOptions) {
    this.hooksFile = path.join(options.dataDir, 'hooks.json');
    try {
      for (const h of JSON.parse(readFileSync(this.hooksFile, 'utf8')) as Hook[]) this.hooks.set(h.hookId, { ...h, active: false });
    } catch {
      // no hooks yet
    }
  }

  /** The hook id of a tenant's workflow (stable, not guessable from the ids alone without the secret). */
  static hookId(tenantId: string, workflowId: string): string {
    return `h${createHash('sha256').update(`${tenantId}\u0000${workflowId}`).digest('hex').slice(0, 24)}`;
  }

  hookSecret(tenantId: string, workflowId: string): string | undefined {
    const h = this.hooks.get(TriggerManager.hookId(tenantId, workflowId));
    return h?.active ? h.secret : undefined;
  }

  /** Replaces a workflow's triggers with those of its newest version. */
  async sync(tenantId: string, workflowId: string, workflow: Workflow): Promise<void> {
    const key = `${tenantId}\u0000${workflowId}`;
    this.clear(key);
    const act: Active = { rules: [], s3: [], timers: [] };
    this.active.set(key, act);
    const hookId = TriggerManager.hookId(tenantId, workflowId);
    const hook = this.hooks.get(hookId);
    if (hook) hook.active = false;
    const start = (input: Record<string, unknown>, idempotencyKey?: string) =>
      this.options.start({ tenantId, workflowId, input, ...(idempotencyKey ? { idempotencyKey } : {}) }).catch((err: Error) => {
        this.options.log(`trigger of ${workflowId} could not start a run: ${err.message}`);
        throw err;
      });
    const triggers = workflow.settings.triggers ?? [];
    for (const [i, t] of triggers.entries()) {
      try {
        switch (t.kind) {
          case 'webhook': {
            const h = hook ?? { hookId, tenantId, workflowId, secret: randomBytes(24).toString('base64url'), active: true };
            h.active = true;
            this.hooks.set(hookId, h);
            this.saveHooks();
            this.options.log(`webhook for ${workflowId}: POST /hooks/${hookId} (secret in ${this.hooksFile})`);
            break;
          }
          case 'eventbridge': {
            const name = `trigger-${hookId}-${i}`;
            this.options.bus.putRule({ name, pattern: t.pattern, targets: [async (event) => void (await start(event as unknown as Record<string, unknown>, `event-${event.id}`))] });
            act.rules.push(name);
            break;
          }
          case 's3': {
            await this.ensureBucket(t.bucket);
            act.s3.push({ bucket: t.bucket, prefix: t.prefix });
            break;
          }
          case 'schedule': {
            const schedule = parseSchedule(t.expression);
            const scale = this.options.scheduleScale ?? 1;
            const arm = () => {
              if (this.closed || this.active.get(key) !== act) return;
              const now = new Date();
              const due = schedule.kind === 'rate' ? new Date(now.getTime() + schedule.everyMs * scale) : schedule.next(now);
              const delay = schedule.kind === 'rate' ? schedule.everyMs * scale : Math.max(0, (due.getTime() - now.getTime()) * scale);
              const timer = setTimeout(() => {
                act.timers = act.timers.filter((x) => x !== timer);
                void start({ ...(t.input ?? {}), scheduledTime: due.toISOString() }, `schedule-${i}-${due.toISOString()}`).catch(() => undefined);
                arm();
              }, delay);
              timer.unref();
              act.timers.push(timer);
            };
            arm();
            break;
          }
        }
      } catch (err) {
        this.options.log(`trigger ${i} (${t.kind}) of ${workflowId} is not active: ${(err as Error).message}`);
      }
    }
  }

  /** An object landed: starts every workflow whose s3 trigger covers it. */
  onObjectCreated(bucket: string, key: string, size: number, etag?: string): void {
    for (const [wfKey, act] of this.active) {
      if (!act.s3.some((s) => s.bucket === bucket && key.startsWith(s.prefix))) continue;
      const [tenantId, workflowId] = wfKey.split('\u0000') as [string, string];
      const input = { bucket, key, size, ...(etag ? { etag: etag.replace(/"/g, '') } : {}) };
      void this.options.start({ tenantId, workflowId, input, idempotencyKey: `s3-${bucket}/${key}-${etag ?? size}` }).catch((err: Error) => this.options.log(`s3 trigger of ${workflowId} failed: ${err.message}`));
    }
  }

  /** `POST /hooks/<id>`: 202 with the execution id, or a 4xx naming the problem. */
  async onWebhook(hookId: string, signature: string | undefined, body: string): Promise<{ statusCode: number; body: unknown }> {
    const err = (statusCode: number, code: string, message: string) => ({ statusCode, body: { error: { code, message, details: [] } } });
    const hook = this.hooks.get(hookId);
    if (!hook?.active) return err(404, 'NOT_FOUND', `no webhook ${hookId}`);
    const check = checkWebhook(hook.secret, body, signature);
    if (!check.ok) return err(check.statusCode, check.code, check.message);
    const input = check.input;
    try {
      const executionId = await this.options.start({ tenantId: hook.tenantId, workflowId: hook.workflowId, input });
      return { statusCode: 202, body: { executionId } };
    } catch (e) {
      return err(409, 'CONFLICT', (e as Error).message);
    }
  }

  close(): void {
    this.closed = true;
    for (const key of [...this.active.keys()]) this.clear(key);
  }

  private clear(key: string): void {
    const act = this.active.get(key);
    if (!act) return;
    for (const r of act.rules) this.options.bus.removeRule(r);
    for (const t of act.timers) clearTimeout(t);
    this.active.delete(key);
  }

  private async ensureBucket(bucket: string): Promise<void> {
    try {
      await this.options.s3.send(new HeadBucketCommand({ Bucket: bucket }));
    } catch {
      await this.options.s3.send(new CreateBucketCommand({ Bucket: bucket }));
    }
  }

  private saveHooks(): void {
    const tmp = `${this.hooksFile}.tmp`;
    writeFileSync(tmp, JSON.stringify([...this.hooks.values()].map(({ active: _a, ...h }) => h)), { mode: 0o600 });
    renameSync(tmp, this.hooksFile);
  }
}
