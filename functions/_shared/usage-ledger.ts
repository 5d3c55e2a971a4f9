/**
 * Token and cost accounting per execution, and the budget that stops a run *before* an LLM call
 * would exceed it.
 *
 * Before each model call a runtime reserves an upper-bound estimate (prompt tokens + the
 * call's max output tokens, priced at the model's rates) with a conditional write; the write
 * fails when the reservation would cross the budget, so parallel branches cannot overshoot it
 * together. After the call the reservation is settled to the real usage.
 */
import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { GetCommand, UpdateCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { ErrorNames, NodeError } from '@shared/errors';
import { keys } from './data/keys';

export interface Budget {
  readonly maxTokens?: number;
  readonly maxCostUsd?: number;
}

export interface UsageAmounts {
  readonly inputTokens: number;
  readonly outputTokens: number;
  readonly cacheReadTokens: number;
  readonly cacheWriteTokens: number;
  readonly costUsd: number;
}

export interface UsageTotals extends UsageAmounts {
  /** Tokens counted against the budget (input + output + cache writes), reservations included. */
  readonly tokens: number;
  readonly calls: number;
}

export interface Reservation {
  readonly executionId: string;
  readonly tokens: number;
  readonly costMicros: number;
}

export interface UsageLedger {
  /** Reserves an estimate; throws Stepflow.BudgetExceeded when it would cross the budget. */
  reserve(executionId: string, estimate: { tokens: number; costUsd: number }, budget?: Budget): Promise<Reservation>;
  /** Replaces a reservation by what the call really used (zero when it failed). */
  settle(reservation: Reservation, actual: UsageAmounts | undefined): Promise<void>;
  totals(executionId: string): Promise<UsageTotals>;
}

const micros = (usd: number) => Math.ceil(usd * 1_000_000);
const budgetTokens = (u: UsageAmounts) => u.inputTokens + u.outputTokens + u.cacheWriteTokens;

function exceeded(budget: Budget, used: { tokens: number; costUsd: number }, estimate: { tokens: number; costUsd: number }): NodeError {
  const parts: string[] = [];
  if (budget.maxTokens !== undefined && used.tokens + estimate.tokens > budget.maxTokens) {
    parts.push(`tokens: ${used.tokens} used + up to ${estimate.tokens} for this call > budget ${budget.maxTokens}`);
  }
  if (budget.maxCostUsd !== undefined && used.costUsd + estimate.costUsd > budget.maxCostUsd) {
    parts.push(`cost: $${used.costUsd.toFixed(6)} used + up to $${estimate.costUsd.toFixed(6)} for this call > budget $${budget.maxCostUsd}`);
  }
  return new NodeError(ErrorNames.BudgetExceeded, `the execution's budget would be exceeded, so the model was not called (${parts.join('; ') || 'budget reached'})`, { retryable: false });
}

/**
 * The ledger on the Stepflow table (item `EXEC#<id>` / `USAGE`).
 * @example
 * ```ts
 * const ledger = new DynamoUsageLedger(docClient, 'stepflow');
 * const r = await ledger.reserve(executionId, { tokens: 1200, costUsd: 0.001 }, { maxTokens: 10_000 });
 * await ledger.settle(r, usage);
 * ```
 */
export class DynamoUsageLedger implements UsageLedger {
  constructor(
    private readonly db: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async reserve(executionId: string, estimate: { tokens: number; costUsd: number }, budget: Budget = {}): Promise<Reservation> {
    const reservation = { executionId, tokens: Math.max(0, Math.ceil(estimate.tokens)), costMicros: Math.max(0, micros(estimate.costUsd)) };
    const conditions: string[] = [];
    const values: Record<string, number> = { ':t': reservation.tokens, ':c': reservation.costMicros };
    if (budget.maxTokens !== undefined) {
      values[':tmax'] = budget.maxTokens - reservation.tokens;
      if (values[':tmax'] < 0) throw exceeded(budget, { tokens: 0, costUsd: 0 }, estimate);
      conditions.push('(attribute_not_exists(budgetTokens) OR budgetTokens <= :tmax)');
    }
    if (budget.maxCostUsd !== undefined) {
      values[':cmax'] = micros(budget.maxCostUsd) - reservation.costMicros;
      if (values[':cmax'] < 0) throw exceeded(budget, { tokens: 0, costUsd: 0 }, estimate);
      conditions.push('(attribute_not_exists(costMicros) OR costMicros <= :cmax)');
    }
    try {
      await this.db.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: keys.usage(executionId),
          UpdateExpression: 'ADD budgetTokens :t, costMicros :c',
          ...(conditions.length > 0 ? { ConditionExpression: conditions.join(' AND ') } : {}),
          ExpressionAttributeValues: values,
        }),
      );
    } catch (err) {
      if (err instanceof ConditionalCheckFailedException || (err as Error).name === 'ConditionalCheckFailedException') {
        const t = await this.totals(executionId);
        throw exceeded(budget, t, estimate);
      }
      throw err;
    }
    return reservation;
  }

  async settle(reservation: Reservation, actual: UsageAmounts | undefined): Promise<void> {
    const a = actual ?? { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0 };
    await this.db.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: keys.usage(reservation.executionId),
        UpdateExpression: 'ADD budgetTokens :dt, costMicros :dc, inputTokens :i, outputTokens :o, cacheReadTokens :cr, cacheWriteTokens :cw, calls :n',
        ExpressionAttributeValues: {
          ':dt': budgetTokens(a) - reservation.tokens,
          ':dc': micros(a.costUsd) - reservation.costMicros,
          ':i': a.inputTokens,
          ':o': a.outputTokens,
          ':cr': a.cacheReadTokens,
          ':cw': a.cacheWriteTokens,
          ':n': actual ? 1 : 0,
        },
      }),
    );
  }

  async totals(executionId: string): Promise<UsageTotals> {
    const res = await this.db.send(new GetCommand({ TableName: this.tableName, Key: keys.usage(executionId), ConsistentRead: true }));
    const item = (res.Item ?? {}) as Record<string, number | undefined>;
    return {
      tokens: item.budgetTokens ?? 0,
      costUsd: (item.costMicros ?? 0) / 1_000_000,
      inputTokens: item.inputTokens ?? 0,
      outputTokens: item.outputTokens ?? 0,
      cacheReadTokens: item.cacheReadTokens ?? 0,
      cacheWriteTokens: item.cacheWriteTokens ?? 0,
      calls: item.calls ?? 0,
    };
  }
}

/**
 * The same rules in process memory, for single-process runs (the CLI) where no table exists.
 * @example
 * ```ts
 * const ledger = new MemoryUsageLedger();
 * ```
 */
export class MemoryUsageLedger implements UsageLedger {
  private readonly rows = new Map<string, { tokens: number; costMicros: number; inputTokens: number; outputTokens: number; cacheReadTokens: number; cacheWriteTokens: number; calls: number }>();

  private row(id: string) {
    let r = this.rows.get(id);
    if (!r) {
      r = { tokens: 0, costMicros: 0, inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, calls: 0 };
      this.rows.set(id, r);
    }
    return r;
  }

  async reserve(executionId: string, estimate: { tokens: number; costUsd: number }, budget: Budget = {}): Promise<Reservation> {
    const r = this.row(executionId);
    const reservation = { executionId, tokens: Math.max(0, Math.ceil(estimate.tokens)), costMicros: Math.max(0, micros(estimate.costUsd)) };
    const overTokens = budget.maxTokens !== undefined && r.tokens + reservation.tokens > budget.maxTokens;
    const overCost = budget.maxCostUsd !== undefined && r.costMicros + reservation.costMicros > micros(budget.maxCostUsd);
    if (overTokens || overCost) throw exceeded(budget, { tokens: r.tokens, costUsd: r.costMicros / 1_000_000 }, estimate);
    r.tokens += reservation.tokens;
    r.costMicros += reservation.costMicros;
    return reservation;
  }

  async settle(reservation: Reservation, actual: UsageAmounts | undefined): Promise<void> {
    const r = this.row(reservation.executionId);
    const a = actual ?? { inputTokens: 0, outputTokens: 0, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd: 0 };
    r.tokens += budgetTokens(a) - reservation.tokens;
    r.costMicros += micros(a.costUsd) - reservation.costMicros;
    r.inputTokens += a.inputTokens;
    r.outputTokens += a.outputTokens;
    r.cacheReadTokens += a.cacheReadTokens;
    r.cacheWriteTokens += a.cacheWriteTokens;
    if (actual) r.calls += 1;
  }

  async totals(executionId: string): Promise<UsageTotals> {
    const r = this.row(executionId);
    return { tokens: r.tokens, costUsd: r.costMicros / 1_000_000, inputTokens: r.inputTokens, outputTokens: r.outputTokens, cacheReadTokens: r.cacheReadTokens, cacheWriteTokens: r.cacheWriteTokens, calls: r.calls };
  }
}
