/**
 * EventBridge schedule expressions, for the local platform's schedule triggers:
 * `rate(<n> minute|minutes|hour|hours|day|days)` and the six-field
 * `cron(minutes hours day-of-month month day-of-week year)` (UTC), with `*`, `?`, lists, ranges,
 * steps, month names (JAN-DEC) and day names (SUN-SAT, SUN = 1). `L`, `W` and `#` are refused
 * with a clear error rather than misread.
 */
import { ValidationError } from '@shared/errors';

export type Schedule = { kind: 'rate'; everyMs: number } | { kind: 'cron'; next(after: Date): Date };

const UNIT_MS: Record<string, number> = { minute: 60_000, hour: 3_600_000, day: 86_400_000 };
const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
  /** The number the first name stands for. */
  readonly nameBase?: number;
}

const FIELDS: readonly FieldSpec[] = [
  { name: 'minutes', min: 0, max: 59 },
  { name: 'hours', min: 0, max: 23 },
  { name: 'day-of-month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: MONTHS, nameBase: 1 },
  { name: 'day-of-week', min: 1, max: 7, names: DAYS, nameBase: 1 },
  { name: 'year', min: 1970, max: 2199 },
];

/** The set of values a field allows, or undefined for `*` / `?` (anything). */
function parseField(raw: string, spec: FieldSpec, expression: string): Set<number> | undefined {
  if (raw === '*' || raw === '?') return undefined;
  if (/[LW#]/.test(raw)) throw new ValidationError(`schedule "${expression}": the ${spec.name} field "${raw}" uses L, W or #, which the local platform does not support`);
  const value = (token: string): number => {
    const upper = token.toUpperCase();
    const named = spec.names?.indexOf(upper) ?? -1;
    const n = named >= 0 ? named + (spec.nameBase ?? 0) : Number(token);
    if (!Number.isInteger(n) || n < spec.min || n > spec.max) throw new ValidationError(`schedule "${expression}": "${token}" is not a valid ${spec.name} (${spec.min}-${spec.max})`);
    return n;
  };
  const out = new Set<number>();
  for (const part of raw.split(',')) {
    const [range, stepText] = part.split('/') as [string, string | undefined];
    const step = stepText === undefined ? 1 : Number(stepText);
    if (!Number.isInteger(step) || step < 1) throw new ValidationError(`schedule "${expression}": "${part}" has an invalid step`);
    let from: number;
    let to: number;
    if (range === '*') [from, to] = [spec.min, spec.max];
    else if (range.includes('-')) {
      const [a, b] = range.split('-') as [string, string];
      [from, to] = [value(a), value(b)];
    } else {
      from = value(range);
      to = stepText === undefined ? from : spec.max;
    }
    if (from > to) throw new ValidationError(`schedule "${expression}": the range "${range}" runs backwards`);
    for (let v = from; v <= to; v += step) out.add(v);
  }
  return out;
}

/**
 * @throws ValidationError naming the problem for a malformed expression
 * @example
 * ```ts
 * parseSchedule('rate(5 minutes)')            // { kind: 'rate', everyMs: 300000 }
 * parseSchedule('cron(0 9 ? * MON-FRI *)').next(new Date())
 * ```
 */
export function parseSchedule(expression: string): Schedule {
  const rate = /^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$/.exec(expression.trim());
  if (rate) {
    const n = Number(rate[1]);
    const unit = (rate[2] as string).replace(/s$/, '');
    if (n < 1) throw new ValidationError(`schedule "${expression}": the rate must be at least 1`);
    if ((n === 1) !== !(rate[2] as string).endsWith('s')) throw new ValidationError(`schedule "${expression}": write "1 ${unit}" or "${n} ${unit}s"`);
    return { kind: 'rate', everyMs: n * (UNIT_MS[unit] as number) };
  }
  const cron = /^cron\((.+)\)$/.exec(expression.trim());
  if (!cron) throw new ValidationError(`schedule "${expression}" must be rate(<n> <unit>) or cron(<6 fields>)`);
  const parts = (cron[1] as string).trim().split(/\s+/);
  if (parts.length !== 6) throw new ValidationError(`schedule "${expression}": cron takes 6 fields (minutes hours day-of-month month day-of-week year), found ${parts.length}`);
  if (parts[2] !== '?' && parts[4] !== '?') throw new ValidationError(`schedule "${expression}": one of day-of-month and day-of-week must be "?"`);
  const [minutes, hours, dom, month, dow, year] = parts.map((p, i) => parseField(p, FIELDS[i] as FieldSpec, expression));
  const ok = (set: Set<number> | undefined, v: number) => set === undefined || set.has(v);
  return {
    kind: 'cron',
    next(after: Date): Date {
      const t = new Date(after.getTime());
      t.setUTCSeconds(0, 0);
      t.setUTCMinutes(t.getUTCMinutes() + 1);
      // Bounded: five years of skipping months, days, hours and minutes.
      for (let guard = 0; guard < 200_000; guard++) {
        if (t.getUTCFullYear() > 2199) break;
        if (!ok(year, t.getUTCFullYear()) || !ok(month, t.getUTCMonth() + 1)) {
          t.setUTCMonth(t.getUTCMonth() + 1, 1);
          t.setUTCHours(0, 0, 0, 0);
          continue;
        }
        if (!ok(dom, t.getUTCDate()) || !ok(dow, t.getUTCDay() + 1)) {
          t.setUTCDate(t.getUTCDate() + 1);
          t.setUTCHours(0, 0, 0, 0);
          continue;
        }
        if (!ok(hours, t.getUTCHours())) {
          t.setUTCHours(t.getUTCHours() + 1, 0, 0, 0);
          continue;
        }
        if (!ok(minutes, t.getUTCMinutes())) {
          t.setUTCMinutes(t.getUTCMinutes() + 1, 0, 0);
          continue;
        }
        return t;
      }
      throw new ValidationError(`schedule "${expression}" never fires`);
    },
  };
}
