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
    b.produced('x', 'a');
    b.produced('x', 'b');
    expect(b.size).toBe(2);
    expect(await settled(b.admit('x'))).toBe(true);
  });

  it('holds admissions over the limit until events are handled, first come first served', async () => {
    const b = new EventBacklog({ limit: 1 });
    for (const id of ['a', 'b', 'c']) b.produced('x', id);
    const order: string[] = [];
    const first = b.admit('x').then(() => order.push('first'));
    const second = b.admit('x').then(() => order.push('second'));
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
    b.produced('x', 'a');
    b.handled('zzz');
    b.handled('a');
    b.handled('a');
    expect(b.size).toBe(0);
    expect(await settled(b.admit('x'))).toBe(true);
  });

  it('never holds work longer than maxWaitMs, even when an event is never handled', async () => {
    const b = new EventBacklog({ limit: 0, maxWaitMs: 30 });
    b.produced('x', 'lost');
    const started = Date.now();
    await b.admit('x');
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
  });

  it('holds a run far ahead of its own events while other runs go on', async () => {
    const b = new EventBacklog({ limit: 100, perExecution: 2 });
    for (const id of ['a1', 'a2', 'a3']) b.produced('a', id);
    b.produced('b', 'b1');
    expect(b.inFlight('a')).toBe(3);
    const a = b.admit('a');
    expect(await settled(b.admit('b'))).toBe(true);
    expect(await settled(a)).toBe(false);
    b.handled('b1');
    expect(await settled(a)).toBe(false);
    b.handled('a1');
    expect(await settled(a)).toBe(true);
    expect(b.inFlight('a')).toBe(2);
    expect(b.inFlight('b')).toBe(0);
  });

  it('can be turned off', async () => {
    const b = new EventBacklog({ limit: Infinity });
    for (let i = 0; i < 1000; i++) b.produced('x', String(i));
    expect(await settled(b.admit('x'))).toBe(true);
    expect(() => new EventBacklog({ limit: -1 })).toThrow(/limit/);
    expect(() => new EventBacklog({ limit: 1, perExecution: Number.NaN })).toThrow(/perExecution/);
  });
});
