import { startDynamo, type LocalDynamo } from './test-support/dynamo';
import { DynamoUsageLedger, MemoryUsageLedger, type UsageLedger } from './usage-ledger';

const usage = (inputTokens: number, outputTokens: number, costUsd = 0) => ({ inputTokens, outputTokens, cacheReadTokens: 0, cacheWriteTokens: 0, costUsd });

describe.each([
  ['DynamoDB (dynalite)', 'dynamo'],
  ['in memory', 'memory'],
])('usage ledger: %s', (_name, kind) => {
  let dynamo: LocalDynamo | undefined;
  let ledger: UsageLedger;
  beforeAll(async () => {
    if (kind === 'dynamo') {
      dynamo = await startDynamo();
      ledger = new DynamoUsageLedger(dynamo.doc, dynamo.tableName);
    } else ledger = new MemoryUsageLedger();
  });
  afterAll(async () => {
    await dynamo?.stop();
  });

  it('sums settled usage per execution and counts calls', async () => {
    const r1 = await ledger.reserve('ex-1', { tokens: 500, costUsd: 0.01 });
    await ledger.settle(r1, usage(100, 50, 0.002));
    const r2 = await ledger.reserve('ex-1', { tokens: 500, costUsd: 0.01 });
    await ledger.settle(r2, usage(10, 5, 0.0001));
    expect(await ledger.totals('ex-1')).toEqual({ tokens: 165, costUsd: 0.0021, inputTokens: 110, outputTokens: 55, cacheReadTokens: 0, cacheWriteTokens: 0, calls: 2 });
    expect((await ledger.totals('other')).tokens).toBe(0);
  });

  it('refuses a reservation that would cross the token budget, naming the figures', async () => {
    const budget = { maxTokens: 1000 };
    const r = await ledger.reserve('ex-2', { tokens: 600, costUsd: 0 }, budget);
    await ledger.settle(r, usage(400, 300));
    await expect(ledger.reserve('ex-2', { tokens: 301, costUsd: 0 }, budget)).rejects.toMatchObject({
      name: 'Stepflow.BudgetExceeded',
      message: expect.stringContaining('tokens: 700 used + up to 301 for this call > budget 1000'),
    });
    await expect(ledger.reserve('ex-2', { tokens: 300, costUsd: 0 }, budget)).resolves.toMatchObject({ tokens: 300 });
  });

  it('refuses on the cost budget and releases a failed call reservation', async () => {
    const budget = { maxCostUsd: 0.05 };
    const r = await ledger.reserve('ex-3', { tokens: 10, costUsd: 0.04 }, budget);
    await expect(ledger.reserve('ex-3', { tokens: 10, costUsd: 0.02 }, budget)).rejects.toMatchObject({ name: 'Stepflow.BudgetExceeded' });
    await ledger.settle(r, undefined);
    await expect(ledger.reserve('ex-3', { tokens: 10, costUsd: 0.02 }, budget)).resolves.toBeDefined();
  });

  it('lets concurrent reservations through only up to the budget', async () => {
    const attempts = await Promise.allSettled(Array.from({ length: 10 }, () => ledger.reserve('ex-4', { tokens: 100, costUsd: 0 }, { maxTokens: 450 })));
    expect(attempts.filter((a) => a.status === 'fulfilled')).toHaveLength(4);
    expect((await ledger.totals('ex-4')).tokens).toBe(400);
  });
});
