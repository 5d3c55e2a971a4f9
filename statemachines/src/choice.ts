/**
 * Condition expressions -> ASL Choice rules. Every data test is guarded with `IsPresent` and a
 * type test, so a missing or mistyped field makes the rule false (and the default edge run)
 * instead of failing the execution with an uncatchable States.Runtime error.
 */
import { parseReference } from '@shared/template';
import type { ComparisonOperator, ConditionExpression } from '@shared/workflow';
import type { Json } from './asl';
import { referencePath } from './paths';

type Rule = { [key: string]: Json };

function pathOf(refString: string, startId: string): string {
  const inner = refString.slice(2, -2);
  const parsed = parseReference(inner);
  if (!parsed.ok) throw new Error(parsed.error); // analysis rejected these already
  return referencePath(parsed.value, startId);
}

const isRef = (v: unknown): v is string => typeof v === 'string' && /^\{\{[^{}]+\}\}$/.test(v);

const numericOps: Record<string, string> = { eq: 'NumericEquals', gt: 'NumericGreaterThan', gte: 'NumericGreaterThanEquals', lt: 'NumericLessThan', lte: 'NumericLessThanEquals' };
const stringOps: Record<string, string> = { eq: 'StringEquals', gt: 'StringGreaterThan', gte: 'StringGreaterThanEquals', lt: 'StringLessThan', lte: 'StringLessThanEquals' };

function guarded(variable: string, typeTest: string, test: Rule): Rule {
  return { And: [{ Variable: variable, IsPresent: true }, { Variable: variable, [typeTest]: true }, { Variable: variable, ...test }] };
}

function comparison(left: string, op: ComparisonOperator, right: string | number | boolean | undefined, startId: string): Rule {
  const v = pathOf(left, startId);
  switch (op) {
    case 'exists':
      return { Variable: v, IsPresent: true };
    case 'not_exists':
      return { Variable: v, IsPresent: false };
    case 'is_null':
      return { And: [{ Variable: v, IsPresent: true }, { Variable: v, IsNull: true }] };
    case 'is_string':
      return { And: [{ Variable: v, IsPresent: true }, { Variable: v, IsString: true }] };
    case 'is_number':
      return { And: [{ Variable: v, IsPresent: true }, { Variable: v, IsNumeric: true }] };
    case 'is_boolean':
      return { And: [{ Variable: v, IsPresent: true }, { Variable: v, IsBoolean: true }] };
    case 'is_timestamp':
      return { And: [{ Variable: v, IsPresent: true }, { Variable: v, IsTimestamp: true }] };
    case 'matches':
      return guarded(v, 'IsString', { StringMatches: String(right) });
    case 'ne':
      return { Not: comparison(left, 'eq', right, startId) };
    default:
      break;
  }
  if (isRef(right)) {
    const r = pathOf(right, startId);
    const both = (typeTest: string, opName: string): Rule => ({
      And: [
        { Variable: v, IsPresent: true },
        { Variable: r, IsPresent: true },
        { Variable: v, [typeTest]: true },
        { Variable: r, [typeTest]: true },
        { Variable: v, [`${opName}Path`]: r },
      ],
    });
    const alternatives: Rule[] = [both('IsNumeric', numericOps[op] as string), both('IsString', stringOps[op] as string)];
    if (op === 'eq') alternatives.push(both('IsBoolean', 'BooleanEquals'));
    return { Or: alternatives };
  }
  if (typeof right === 'number') return guarded(v, 'IsNumeric', { [numericOps[op] as string]: right });
  if (typeof right === 'boolean') return guarded(v, 'IsBoolean', { BooleanEquals: right });
  return guarded(v, 'IsString', { [stringOps[op] as string]: String(right) });
}

/**
 * Compiles a condition expression to a Choice rule (without `Next`).
 * @example
 * ```ts
 * compileCondition({ left: '{{input.n}}', op: 'gt', right: 3 }, 'start')
 * // { And: [ {Variable:'$.nodes.start.output.n', IsPresent:true}, {.., IsNumeric:true}, {.., NumericGreaterThan:3} ] }
 * ```
 */
export function compileCondition(expr: ConditionExpression, startId: string): Rule {
  if ('all' in expr) return { And: expr.all.map((e) => compileCondition(e, startId)) };
  if ('any' in expr) return { Or: expr.any.map((e) => compileCondition(e, startId)) };
  if ('not' in expr) return { Not: compileCondition(expr.not, startId) };
  return comparison(expr.left, expr.op, expr.right, startId);
}
