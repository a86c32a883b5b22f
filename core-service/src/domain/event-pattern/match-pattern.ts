import {
  COMPILED_ROOT,
  type EventPattern,
  type LeafRule,
  type LeafValue,
  type PatternNode,
} from "./compiled-pattern.ts";

type JsonObject = Readonly<Record<string, unknown>>;

function isObject(value: unknown): value is JsonObject {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function isLeafValue(value: unknown): value is LeafValue {
  return (
    value === null || typeof value === "string" || typeof value === "number" || typeof value === "boolean"
  );
}

/** Result of scanning an event array: a match, candidates that did not match, or no candidates at all. */
type Scan = "matched" | "seen" | "none";

/** Arrays in events are flattened, however deeply nested: the leaf matches when any element does. */
function scanLeafValues(rule: LeafRule, values: readonly unknown[]): Scan {
  let seen = false;
  for (const value of values) {
    if (isLeafValue(value)) {
      if (rule.matchesValue(value)) return "matched";
      seen = true;
    } else if (Array.isArray(value)) {
      const inner = scanLeafValues(rule, value);
      if (inner === "matched") return inner;
      seen ||= inner === "seen";
    }
  }
  return seen ? "seen" : "none";
}

/**
 * A field with no scalar value (missing, an object, an empty array) is "absent" for matching: only
 * `{"exists": false}` accepts it, because EventBridge tests existence on leaves only.
 */
function matchesLeaf(rule: LeafRule, value: unknown): boolean {
  if (isLeafValue(value)) return rule.matchesValue(value);
  if (Array.isArray(value)) {
    const scan = scanLeafValues(rule, value);
    return scan === "matched" || (scan === "none" && rule.matchesAbsence);
  }
  return rule.matchesAbsence;
}

/**
 * An object pattern over an array of objects must hold within one element, so fields from different
 * elements are never combined (EventBridge's array-consistent matching).
 */
function scanNestedObjects(node: PatternNode, values: readonly unknown[]): Scan {
  let seen = false;
  for (const value of values) {
    if (isObject(value)) {
      if (matchesNode(node, value)) return "matched";
      seen = true;
    } else if (Array.isArray(value)) {
      const inner = scanNestedObjects(node, value);
      if (inner === "matched") return inner;
      seen ||= inner === "seen";
    }
  }
  return seen ? "seen" : "none";
}

function matchesNested(node: PatternNode, value: unknown): boolean {
  if (!Array.isArray(value)) return matchesNode(node, value);
  const scan = scanNestedObjects(node, value);
  return scan === "matched" || (scan === "none" && matchesNode(node, undefined));
}

function fieldOf(fields: JsonObject | undefined, key: string): unknown {
  return fields !== undefined && Object.hasOwn(fields, key) ? fields[key] : undefined;
}

/** `eventNode` is the event object at this level, or anything else when the event has nothing here. */
function matchesNode(node: PatternNode, eventNode: unknown): boolean {
  const fields = isObject(eventNode) ? eventNode : undefined;
  for (const rule of node.rules) {
    const value = fieldOf(fields, rule.key);
    const matched = rule.kind === "leaf" ? matchesLeaf(rule, value) : matchesNested(rule.node, value);
    if (!matched) return false;
  }
  for (const alternatives of node.anyOf) {
    if (!alternatives.some((alternative) => matchesNode(alternative, eventNode))) return false;
  }
  return true;
}

/** Whether `event` (a parsed JSON value) matches the compiled pattern, as EventBridge would decide. */
export function matchesEventPattern(pattern: EventPattern, event: unknown): boolean {
  return matchesNode(pattern[COMPILED_ROOT], event);
}
