import type { ValueMatcher } from "./compiled-pattern.ts";
import { elementPath, InvalidEventPatternError } from "./errors.ts";

/**
 * EventBridge compares numbers between -5.0e9 and +5.0e9 inclusive, to six digits after the decimal point;
 * pattern numbers outside that are refused, and event numbers outside it never satisfy a numeric comparison.
 */
export const NUMERIC_LIMIT = 5e9;
const MAX_DECIMALS = 6;

const LOWER_BOUND_OPERATORS = new Set([">", ">="]);
const UPPER_BOUND_OPERATORS = new Set(["<", "<="]);

/** Throws unless `value` is a number EventBridge can compare numerically. */
export function requireComparableNumber(value: unknown, path: string, role: string): number {
  if (typeof value !== "number" || !Number.isFinite(value)) {
    throw new InvalidEventPatternError(path, `${role} must be a number`);
  }
  if (Math.abs(value) > NUMERIC_LIMIT) {
    throw new InvalidEventPatternError(path, `${role} ${value} is outside -5.0e9..5.0e9`);
  }
  if (Number(value.toFixed(MAX_DECIMALS)) !== value) {
    throw new InvalidEventPatternError(path, `${role} ${value} has more than ${MAX_DECIMALS} decimal places`);
  }
  return value;
}

export function isComparableEventNumber(value: unknown): value is number {
  return typeof value === "number" && Math.abs(value) <= NUMERIC_LIMIT;
}

function comparison(operator: string, bound: number): (value: number) => boolean {
  switch (operator) {
    case "=":
      return (value) => value === bound;
    case ">":
      return (value) => value > bound;
    case ">=":
      return (value) => value >= bound;
    case "<":
      return (value) => value < bound;
    default:
      return (value) => value <= bound;
  }
}

function requireOperator(
  spec: readonly unknown[],
  index: number,
  allowed: ReadonlySet<string>,
  path: string,
) {
  const operator = spec[index];
  if (typeof operator !== "string" || !allowed.has(operator)) {
    const expected = [...allowed].map((op) => `"${op}"`).join(" or ");
    throw new InvalidEventPatternError(
      elementPath(path, index),
      `expected ${expected}, got ${JSON.stringify(operator)}`,
    );
  }
  return operator;
}

/**
 * `["=", 3]`, `[">", 0]`, `["<=", 5]` or a range `[">", 0, "<=", 5]`: a range starts with its lower bound,
 * as in EventBridge, and its lower bound must be below its upper bound.
 */
export function compileNumeric(spec: unknown, path: string): ValueMatcher {
  if (!Array.isArray(spec) || (spec.length !== 2 && spec.length !== 4)) {
    throw new InvalidEventPatternError(
      path,
      'numeric needs an array like ["=", 3], [">", 0] or [">", 0, "<=", 5]',
    );
  }
  const all = new Set(["=", ...LOWER_BOUND_OPERATORS, ...UPPER_BOUND_OPERATORS]);
  const firstOperator = requireOperator(spec, 0, spec.length === 4 ? LOWER_BOUND_OPERATORS : all, path);
  const firstBound = requireComparableNumber(spec[1], elementPath(path, 1), `bound of "${firstOperator}"`);
  const first = comparison(firstOperator, firstBound);
  if (spec.length === 2) {
    return (value) => isComparableEventNumber(value) && first(value);
  }
  const secondOperator = requireOperator(spec, 2, UPPER_BOUND_OPERATORS, path);
  const secondBound = requireComparableNumber(spec[3], elementPath(path, 3), `bound of "${secondOperator}"`);
  if (firstBound >= secondBound) {
    throw new InvalidEventPatternError(
      path,
      `lower bound ${firstBound} must be less than upper bound ${secondBound}`,
    );
  }
  const second = comparison(secondOperator, secondBound);
  return (value) => isComparableEventNumber(value) && first(value) && second(value);
}
