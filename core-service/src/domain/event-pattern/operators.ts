import type { LeafValue, ValueMatcher } from "./compiled-pattern.ts";
import { describeJsonType, elementPath, InvalidEventPatternError, memberPath } from "./errors.ts";
import { cidrContains, parseCidr, parseIpAddress } from "./ip-address.ts";
import { compileNumeric, requireComparableNumber } from "./numeric-range.ts";
import { matchesWildcard, parseWildcard } from "./wildcard.ts";

/** What one `{ "operator": ... }` object inside a pattern leaf contributes. */
export type CompiledOperator = { readonly matchesValue: ValueMatcher } | { readonly matchesAbsence: true };

/** Field names EventBridge reserves for matching; they may not name fields inside `$or`. */

type StringTest = (value: string) => boolean;

function onlyStrings(test: StringTest): ValueMatcher {
  return (value) => typeof value === "string" && test(value);
}

function requireString(value: unknown, path: string, what: string): string {
  if (typeof value !== "string") {
    throw new InvalidEventPatternError(path, `${what} must be a string, got ${describeJsonType(value)}`);
  }
  return value;
}

/** The single `{ "key": value }` pair of an operator object. */
function singleEntry(spec: Record<string, unknown>, path: string, what: string): [string, unknown] {
  const entries = Object.entries(spec);
  const [entry] = entries;
  if (entry === undefined || entries.length !== 1) {
    throw new InvalidEventPatternError(path, `${what} must have exactly one key, got ${entries.length}`);
  }
  return entry;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function equalsIgnoreCase(expected: string): StringTest {
  const lowered = expected.toLowerCase();
  return (value) => value.toLowerCase() === lowered;
}

function wildcard(pattern: string, path: string): StringTest {
  const parsed = parseWildcard(pattern);
  if ("error" in parsed) throw new InvalidEventPatternError(path, `wildcard ${parsed.error}`);
  return (value) => matchesWildcard(parsed, value);
}

/** `prefix` and `suffix` take a string, or `{"equals-ignore-case": string}` to ignore case. */
function affix(kind: "prefix" | "suffix", spec: unknown, path: string): StringTest {
  if (isObject(spec)) {
    const [key, value] = singleEntry(spec, path, kind);
    if (key !== "equals-ignore-case") {
      throw new InvalidEventPatternError(
        memberPath(path, key),
        `unsupported ${kind} option "${key}"; only "equals-ignore-case" is allowed`,
      );
    }
    const lowered = requireString(value, memberPath(path, key), `${kind} equals-ignore-case`).toLowerCase();
    return kind === "prefix"
      ? (candidate) => candidate.toLowerCase().startsWith(lowered)
      : (candidate) => candidate.toLowerCase().endsWith(lowered);
  }
  const text = requireString(spec, path, kind);
  return kind === "prefix"
    ? (candidate) => candidate.startsWith(text)
    : (candidate) => candidate.endsWith(text);
}

function cidr(spec: unknown, path: string): ValueMatcher {
  const block = parseCidr(requireString(spec, path, "cidr"));
  if (block === undefined) {
    throw new InvalidEventPatternError(
      path,
      `cidr ${JSON.stringify(spec)} is not an IPv4 or IPv6 CIDR block`,
    );
  }
  return onlyStrings((value) => {
    const address = parseIpAddress(value);
    return address !== undefined && cidrContains(block, address);
  });
}

/** `anything-but` over a value or list of plain values: all strings, or all numbers. */
function excludedValues(spec: unknown, path: string): ValueMatcher {
  const values = Array.isArray(spec) ? spec : [spec];
  if (values.length === 0) throw new InvalidEventPatternError(path, "anything-but list must not be empty");
  const kinds = new Set<string>();
  for (const [index, value] of values.entries()) {
    const at = Array.isArray(spec) ? elementPath(path, index) : path;
    if (typeof value === "number") requireComparableNumber(value, at, "anything-but value");
    else if (typeof value !== "string") {
      throw new InvalidEventPatternError(
        at,
        `anything-but values must be strings or numbers, got ${describeJsonType(value)}`,
      );
    }
    kinds.add(typeof value);
  }
  if (kinds.size > 1) {
    throw new InvalidEventPatternError(
      path,
      "anything-but list must be all strings or all numbers, not both",
    );
  }
  const excluded = new Set<LeafValue>(values as LeafValue[]);
  return (value) => !excluded.has(value);
}

const ANYTHING_BUT_STRING_TESTS = new Map<string, (text: string, path: string) => StringTest>(
  Object.entries({
    prefix: (text: string, path: string) => {
      if (text === "") throw new InvalidEventPatternError(path, "anything-but prefix must not be empty");
      return (value: string) => value.startsWith(text);
    },
    suffix: (text: string, path: string) => {
      if (text === "") throw new InvalidEventPatternError(path, "anything-but suffix must not be empty");
      return (value: string) => value.endsWith(text);
    },
    "equals-ignore-case": (text: string) => equalsIgnoreCase(text),
    wildcard: (text: string, path: string) => wildcard(text, path),
  }),
);

/** `anything-but` with `prefix`, `suffix`, `equals-ignore-case` or `wildcard`, each a string or list. */
function excludedStringMatches(spec: Record<string, unknown>, path: string): ValueMatcher {
  const [key, value] = singleEntry(spec, path, "anything-but");
  const at = memberPath(path, key);
  const build = ANYTHING_BUT_STRING_TESTS.get(key);
  if (build === undefined) {
    throw new InvalidEventPatternError(
      at,
      `unsupported anything-but option "${key}"; use prefix, suffix, equals-ignore-case or wildcard`,
    );
  }
  const texts = Array.isArray(value) ? value : [value];
  if (texts.length === 0) {
    throw new InvalidEventPatternError(at, `anything-but ${key} list must not be empty`);
  }
  const tests = texts.map((text, index) => {
    const textPath = Array.isArray(value) ? elementPath(at, index) : at;
    return build(requireString(text, textPath, `anything-but ${key}`), textPath);
  });
  // Values that are not strings cannot match a string test, so anything-but lets them through.
  return (candidate) => typeof candidate !== "string" || !tests.some((test) => test(candidate));
}

function anythingBut(spec: unknown, path: string): ValueMatcher {
  return isObject(spec) ? excludedStringMatches(spec, path) : excludedValues(spec, path);
}

function exists(spec: unknown, path: string): CompiledOperator {
  if (typeof spec !== "boolean") {
    throw new InvalidEventPatternError(path, `exists must be true or false, got ${describeJsonType(spec)}`);
  }
  return spec ? { matchesValue: () => true } : { matchesAbsence: true };
}

type OperatorCompiler = (spec: unknown, path: string) => CompiledOperator;

// A Map, not an object literal, so that names like "toString" are unknown operators rather than prototype hits.
const OPERATORS = new Map<string, OperatorCompiler>([
  ["prefix", (spec, path) => ({ matchesValue: onlyStrings(affix("prefix", spec, path)) })],
  ["suffix", (spec, path) => ({ matchesValue: onlyStrings(affix("suffix", spec, path)) })],
  [
    "equals-ignore-case",
    (spec, path) => ({
      matchesValue: onlyStrings(equalsIgnoreCase(requireString(spec, path, "equals-ignore-case"))),
    }),
  ],
  [
    "wildcard",
    (spec, path) => ({ matchesValue: onlyStrings(wildcard(requireString(spec, path, "wildcard"), path)) }),
  ],
  ["anything-but", (spec, path) => ({ matchesValue: anythingBut(spec, path) })],
  ["numeric", (spec, path) => ({ matchesValue: compileNumeric(spec, path) })],
  ["cidr", (spec, path) => ({ matchesValue: cidr(spec, path) })],
  ["exists", exists],
]);

/** Field names EventBridge reserves for matching; they may not name fields inside `$or`. */
export const OPERATOR_NAMES: ReadonlySet<string> = new Set(OPERATORS.keys());

/** Compiles one operator object such as `{"prefix": "us-"}` found at `path` in a pattern leaf. */
export function compileOperator(spec: Record<string, unknown>, path: string): CompiledOperator {
  const [name, argument] = singleEntry(spec, path, "a matching expression");
  const compile = OPERATORS.get(name);
  if (compile === undefined) {
    throw new InvalidEventPatternError(
      path,
      `unknown operator "${name}"; expected one of ${[...OPERATOR_NAMES].join(", ")}`,
    );
  }
  return compile(argument, memberPath(path, name));
}
