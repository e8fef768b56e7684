import { Filter, InvalidQueryError, Scalar } from '../read-store.port';
import { assertFieldPath, describeName } from './names';

/**
 * A validated filter: one entry per (path, operator). Both adapters translate from this
 * form only, so whatever shape a request smuggles into a `Filter` (a `$where`, an object
 * where a scalar belongs, an array of operators) is refused here, once, before any store sees it.
 */
export type Condition =
  | { path: string; op: 'eq' | 'ne'; value: Scalar }
  | { path: string; op: 'in'; values: Scalar[] }
  | { path: string; op: 'gt' | 'gte' | 'lt' | 'lte'; value: string | number }
  | { path: string; op: 'exists'; value: boolean }
  | { path: string; op: 'prefix'; value: string };

export type ConditionOp = Condition['op'];

const OPERATORS: ReadonlySet<string> = new Set<ConditionOp>(['eq', 'ne', 'in', 'gt', 'gte', 'lt', 'lte', 'exists', 'prefix']);

/** Keeps `in` lists within SQLite's bound-parameter budget and MongoDB's sensible query sizes. */
export const MAX_IN_VALUES = 1000;

export function isScalar(value: unknown): value is Scalar {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      // NaN and ±Infinity have no JSON form, so a stored document can never hold them.
      return Number.isFinite(value);
    default:
      return value === null;
  }
}

function scalar(path: string, op: string, value: unknown): Scalar {
  if (!isScalar(value)) throw new InvalidQueryError(`operator "${op}" on field "${path}" needs a scalar value`);
  return value;
}

function orderable(path: string, op: string, value: unknown): string | number {
  if (typeof value === 'string' || (typeof value === 'number' && Number.isFinite(value))) return value;
  throw new InvalidQueryError(`operator "${op}" on field "${path}" needs a string or number`);
}

export function parseFilter(filter: Filter | undefined): Condition[] {
  if (filter === undefined || filter === null) return [];
  if (typeof filter !== 'object' || Array.isArray(filter)) throw new InvalidQueryError('filter must be an object');
  const conditions: Condition[] = [];
  for (const path of Object.keys(filter)) {
    assertFieldPath(path);
    const spec: unknown = (filter as Record<string, unknown>)[path];
    if (isScalar(spec)) {
      conditions.push({ path, op: 'eq', value: spec });
      continue;
    }
    if (typeof spec !== 'object' || spec === null || Array.isArray(spec)) {
      throw new InvalidQueryError(`field "${path}" needs a scalar or a condition object`);
    }
    const ops = Object.keys(spec);
    if (ops.length === 0) throw new InvalidQueryError(`empty condition on field "${path}"`);
    for (const op of ops) {
      const value: unknown = (spec as Record<string, unknown>)[op];
      if (!OPERATORS.has(op)) throw new InvalidQueryError(`unknown operator ${describeName(op)} on field "${path}"`);
      switch (op as ConditionOp) {
        case 'eq':
        case 'ne':
          conditions.push({ path, op: op as 'eq' | 'ne', value: scalar(path, op, value) });
          break;
        case 'in': {
          if (!Array.isArray(value)) throw new InvalidQueryError(`operator "in" on field "${path}" needs an array`);
          if (value.length > MAX_IN_VALUES) {
            throw new InvalidQueryError(`operator "in" on field "${path}" takes at most ${MAX_IN_VALUES} values`);
          }
          conditions.push({ path, op: 'in', values: value.map((v) => scalar(path, op, v)) });
          break;
        }
        case 'gt':
        case 'gte':
        case 'lt':
        case 'lte':
          conditions.push({ path, op: op as 'gt' | 'gte' | 'lt' | 'lte', value: orderable(path, op, value) });
          break;
        case 'exists':
          if (typeof value !== 'boolean') throw new InvalidQueryError(`operator "exists" on field "${path}" needs a boolean`);
          conditions.push({ path, op: 'exists', value });
          break;
        case 'prefix':
          if (typeof value !== 'string') throw new InvalidQueryError(`operator "prefix" on field "${path}" needs a string`);
          conditions.push({ path, op: 'prefix', value });
          break;
      }
    }
  }
  return conditions;
}
