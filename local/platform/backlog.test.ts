import { EventBacklog } from './backlog';

const settled = async (p: Promise<unknown>) => {
  let done = false;
  void p.then(() => (done = true));
  await new Promise((r) => setImmediate(r));
  return done;
};

describe('EventBacklog', () => {
  it('admits at once while the events in flight are within the limit', async () => {
    const b = new EventBacklog({ limit: 2 });
    b.produced('a');
    b.produced('b');
    expect(b.size).toBe(2);
    expect(await settled(b.admit())).toBe(true);
  });

  it('holds admissions over the limit until events are handled, first come first served', async () => {
    const b = new EventBacklog({ limit: 1 });
    for (const id of ['a', 'b', 'c']) b.produced(id);
    const order: string[] = [];
    const first = b.admit().then(() => order.push('first'));
    const second = b.admit().then(() => order.push('second'));
    expect(await settled(first)).toBe(false);
    b.handled('a');
    // Two in flight, limit 1: still over.
    expect(await settled(first)).toBe(false);
    b.handled('b');
    expect(await settled(first)).toBe(true);
    expect(await settled(second)).toBe(false);
    b.handled('c');
    await Promise.all([first, second]);
    expect(order).toEqual(['first', 'second']);
  });

  it('ignores events it never saw and events handled twice', async () => {
    const b = new EventBacklog({ limit: 0 });
    b.produced('a');
    b.handled('zzz');
    b.handled('a');
    b.handled('a');
    expect(b.size).toBe(0);
    expect(await settled(b.admit())).toBe(true);
  });

  it('never holds work longer than maxWaitMs, even when an event is never handled', async () => {
    const b = new EventBacklog({ limit: 0, maxWaitMs: 30 });
    b.produced('lost');
    const started = Date.now();
    await b.admit();
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });

  it('can be turned off', async () => {
    const b = new EventBacklog({ limit: Infinity });
    for (let i = 0; i < 1000; i++) b.produced(String(i));
    expect(await settled(b.admit())).toBe(true);
    expect(() => new EventBacklog({ limit: -1 })).toThrow(/limit/);
  });
});
