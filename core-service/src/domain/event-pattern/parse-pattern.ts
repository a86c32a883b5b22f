import {
  COMPILED_ROOT,
  type EventPattern,
  type FieldRule,
  type LeafRule,
  type LeafValue,
  NEVER_MATCHES,
  type PatternNode,
  type ValueMatcher,
} from "./compiled-pattern.ts";
import { describeJsonType, elementPath, InvalidEventPatternError, memberPath } from "./errors.ts";
import { compileOperator, OPERATOR_NAMES } from "./operators.ts";

const OR_KEY = "$or";

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

/** Plain values in a leaf are an OR over exact, type-sensitive equality: "5" is not 5, null is not "". */
function exactValues(values: readonly LeafValue[]): ValueMatcher {
  if (values.length === 0) return NEVER_MATCHES;
  const accepted = new Set<LeafValue>(values);
  return (value) => accepted.has(value);
}

function anyOf(matchers: readonly ValueMatcher[]): ValueMatcher {
  const [only] = matchers;
  if (matchers.length === 0) return NEVER_MATCHES;
  if (matchers.length === 1 && only !== undefined) return only;
  return (value) => matchers.some((matches) => matches(value));
}

function compileLeaf(key: string, values: readonly unknown[], path: string): LeafRule {
  if (values.length === 0) throw new InvalidEventPatternError(path, "empty arrays are not allowed");
  const exact: LeafValue[] = [];
  const operators: ValueMatcher[] = [];
  let matchesAbsence = false;
  for (const [index, value] of values.entries()) {
    const at = elementPath(path, index);
    if (isObject(value)) {
      const compiled = compileOperator(value, at);
      if ("matchesAbsence" in compiled) matchesAbsence = true;
      else operators.push(compiled.matchesValue);
    } else if (value === null || typeof value === "string" || typeof value === "boolean") {
      exact.push(value);
    } else if (typeof value === "number" && Number.isFinite(value)) {
      exact.push(value);
    } else {
      throw new InvalidEventPatternError(
        at,
        `match values must be strings, numbers, true, false, null or operator objects, got ${describeJsonType(value)}`,
      );
    }
  }
  const matchesValue = anyOf(exact.length > 0 ? [exactValues(exact), ...operators] : operators);
  return { kind: "leaf", key, matchesValue, matchesAbsence };
}

function compileAlternatives(alternatives: readonly unknown[], path: string): PatternNode[] {
  if (alternatives.length < 2) {
    throw new InvalidEventPatternError(path, `$or needs at least 2 objects, got ${alternatives.length}`);
  }
  return alternatives.map((alternative, index) => {
    const at = elementPath(path, index);
    if (!isObject(alternative)) {
      throw new InvalidEventPatternError(
        at,
        `$or may only hold objects, got ${describeJsonType(alternative)}`,
      );
    }
    return compileNode(alternative, at, true);
  });
}

function compileNode(pattern: Record<string, unknown>, path: string, insideOr: boolean): PatternNode {
  const entries = Object.entries(pattern);
  if (entries.length === 0) throw new InvalidEventPatternError(path, "empty objects are not allowed");
  const rules: FieldRule[] = [];
  const alternatives: PatternNode[][] = [];
  for (const [key, value] of entries) {
    const at = memberPath(path, key);
    // EventBridge reads "$or" holding an object as a plain field of that name, for old rules that used it so.
    if (key === OR_KEY && Array.isArray(value)) {
      alternatives.push(compileAlternatives(value, at));
    } else if (insideOr && OPERATOR_NAMES.has(key)) {
      throw new InvalidEventPatternError(at, `"${key}" is an operator and cannot be a field name inside $or`);
    } else if (Array.isArray(value)) {
      rules.push(compileLeaf(key, value, at));
    } else if (isObject(value)) {
      rules.push({ kind: "nested", key, node: compileNode(value, at, insideOr) });
    } else {
      throw new InvalidEventPatternError(
        at,
        `must be an object or an array of match values, got ${describeJsonType(value)}`,
      );
    }
  }
  return { rules, anyOf: alternatives };
}

/**
 * Validates an EventBridge event pattern (already parsed from JSON) and compiles it for repeated matching.
 * Throws `InvalidEventPatternError` naming the JSON path of the first problem found.
 */
export function compileEventPattern(pattern: unknown): EventPattern {
  if (!isObject(pattern)) {
    throw new InvalidEventPatternError(
      "$",
      `the pattern must be a JSON object, got ${describeJsonType(pattern)}`,
    );
  }
  return { [COMPILED_ROOT]: compileNode(pattern, "$", false) };
}
