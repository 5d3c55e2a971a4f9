import { parseSchedule } from './schedule';

const next = (expr: string, from: string) => {
  const s = parseSchedule(expr);
  if (s.kind !== 'cron') throw new Error('not cron');
  return s.next(new Date(from)).toISOString();
};

describe('schedule expressions', () => {
  it('rates', () => {
    expect(parseSchedule('rate(1 minute)')).toEqual({ kind: 'rate', everyMs: 60_000 });
    expect(parseSchedule('rate(5 minutes)')).toEqual({ kind: 'rate', everyMs: 300_000 });
    expect(parseSchedule('rate(2 hours)')).toEqual({ kind: 'rate', everyMs: 7_200_000 });
    expect(parseSchedule('rate(1 day)')).toEqual({ kind: 'rate', everyMs: 86_400_000 });
  });

  it('cron, as EventBridge reads it (UTC, six fields, SUN = 1)', () => {
    expect(next('cron(0 9 ? * MON-FRI *)', '2026-11-21T10:00:00Z')).toBe('2026-11-23T09:00:00.000Z'); // Sat -> Mon
    expect(next('cron(*/15 * * * ? *)', '2026-11-22T08:07:30Z')).toBe('2026-11-22T08:15:00.000Z');
    expect(next('cron(30 6 1 * ? *)', '2026-11-22T00:00:00Z')).toBe('2026-12-01T06:30:00.000Z');
    expect(next('cron(0 0 ? * 1 *)', '2026-11-22T00:00:00Z')).toBe('2026-11-29T00:00:00.000Z'); // strictly after
    expect(next('cron(0 12 29 FEB ? *)', '2026-03-01T00:00:00Z')).toBe('2028-02-29T12:00:00.000Z');
    expect(next('cron(5,35 14 ? * SAT,SUN 2027)', '2026-11-22T00:00:00Z')).toBe('2027-01-02T14:05:00.000Z');
  });

  it.each([
    ['every 5 minutes', 'must be rate'],
    ['rate(0 minutes)', 'at least 1'],
    ['rate(1 minutes)', 'write "1 minute"'],
    ['rate(5 minute)', '"5 minutes"'],
    ['cron(0 9 * * *)', '6 fields'],
    ['cron(0 9 * * MON *)', 'must be "?"'],
    ['cron(61 9 ? * * *)', '"61" is not a valid minutes'],
    ['cron(0 9 L * ? *)', 'L, W or #'],
    ['cron(0 9 ? * MON#2 *)', 'L, W or #'],
    ['cron(0 9 ? FOO * *)', 'not a valid month'],
    ['cron(0 5-2 ? * * *)', 'backwards'],
    ['cron(0 0 31 FEB ? *)', 'never fires'],
  ])('refuses %s with a clear error', (expr, message) => {
    expect(() => {
      const s = parseSchedule(expr);
      if (s.kind === 'cron') s.next(new Date('2026-01-01T00:00:00Z'));
    }).toThrow(message);
  });
});
