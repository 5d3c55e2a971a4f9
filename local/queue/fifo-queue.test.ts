import { LocalFifoQueue } from './fifo-queue';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('LocalFifoQueue', () => {
  it('handles one group in order, one at a time, while groups run side by side', async () => {
    const log: string[] = [];
    let inGroupA = 0;
    let maxInGroupA = 0;
    const q = new LocalFifoQueue<{ g: string; n: number }>({
      consumer: async (m) => {
        if (m.g === 'a') maxInGroupA = Math.max(maxInGroupA, ++inGroupA);
        await sleep(m.g === 'a' ? 5 : 1);
        log.push(`${m.g}${m.n}`);
        if (m.g === 'a') inGroupA -= 1;
      },
    });
    for (let n = 1; n <= 5; n++) {
      q.send('a', { g: 'a', n });
      q.send('b', { g: 'b', n });
    }
    await q.drain();
    expect(log.filter((x) => x.startsWith('a'))).toEqual(['a1', 'a2', 'a3', 'a4', 'a5']);
    expect(log.filter((x) => x.startsWith('b'))).toEqual(['b1', 'b2', 'b3', 'b4', 'b5']);
    expect(maxInGroupA).toBe(1);
    // b finished before a: the groups did not wait for each other.
    expect(log.indexOf('b5')).toBeLessThan(log.indexOf('a5'));
  });

  it('retries a failing message before anything later in its group, then dead-letters it and moves on', async () => {
    const seen: string[] = [];
    const dead: string[] = [];
    let failures = 2;
    const q = new LocalFifoQueue<string>({
      retryDelayMs: 1,
      maxAttempts: 3,
      consumer: async (m) => {
        seen.push(m);
        if (m === 'flaky' && failures-- > 0) throw new Error('try again');
        if (m === 'poison') throw new Error('never works');
      },
      onDeadLetter: (m) => dead.push(m),
    });
    for (const m of ['flaky', 'next', 'poison', 'last']) q.send('g', m);
    await q.close();
    expect(seen).toEqual(['flaky', 'flaky', 'flaky', 'next', 'poison', 'poison', 'poison', 'last']);
    expect(dead).toEqual(['poison']);
    expect(() => q.send('g', 'late')).toThrow('closed');
  });

  it('hands a batch consumer up to maxBatch consecutive messages of a group, retrying the whole batch', async () => {
    const batches: number[][] = [];
    let failOnce = true;
    const q = new LocalFifoQueue<number>({
      maxBatch: 3,
      retryDelayMs: 1,
      batchConsumer: async (ms) => {
        batches.push([...ms]);
        if (failOnce && ms.includes(4)) {
          failOnce = false;
          throw new Error('again');
        }
      },
    });
    for (let i = 1; i <= 7; i++) q.send('g', i);
    await q.drain();
    expect(batches[0]).toEqual([1]);
    expect(batches.flat().filter((n, i, all) => all.indexOf(n) === i)).toEqual([1, 2, 3, 4, 5, 6, 7]);
    // The failed batch came again, whole, before anything after it.
    const withFour = batches.filter((b) => b.includes(4));
    expect(withFour).toHaveLength(2);
    expect(withFour[0]).toEqual(withFour[1]);
    expect(batches.every((b) => b.length <= 3)).toBe(true);
  });
});
