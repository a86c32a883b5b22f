import { describe, expect, it } from "vitest";
import {
  compileEventPattern,
  InvalidEventPatternError,
} from "../../../core-service/src/domain/event-pattern/index.ts";

interface InvalidCase {
  readonly name: string;
  readonly pattern: unknown;
  readonly path: string;
  readonly reason: string | RegExp;
}

function compileError(pattern: unknown): InvalidEventPatternError {
  try {
    compileEventPattern(pattern);
  } catch (error) {
    if (error instanceof InvalidEventPatternError) return error;
    throw error;
  }
  throw new Error("expected the pattern to be rejected");
}

const leaf = (value: unknown) => ({ detail: { state: [value] } });

const cases: readonly InvalidCase[] = [
  { name: "rejects null as a pattern", pattern: null, path: "$", reason: "must be a JSON object, got null" },
  { name: "rejects an array as a pattern", pattern: [], path: "$", reason: "got an array" },
  { name: "rejects a string as a pattern", pattern: "aws.ec2", path: "$", reason: "got a string" },
  { name: "rejects an empty pattern", pattern: {}, path: "$", reason: "empty objects are not allowed" },
  {
    name: "rejects a leaf value that is not in an array",
    pattern: { source: "aws.ec2" },
    path: "$.source",
    reason: "must be an object or an array of match values, got a string",
  },
  { name: "rejects an empty value list", pattern: { source: [] }, path: "$.source", reason: "empty arrays" },
  {
    name: "rejects an empty nested object",
    pattern: { detail: {} },
    path: "$.detail",
    reason: "empty objects",
  },
  {
    name: "rejects an array nested in a value list",
    pattern: { source: [["aws.ec2"]] },
    path: "$.source[0]",
    reason: "got an array",
  },
  {
    name: "names an unknown operator",
    pattern: leaf({ contains: "run" }),
    path: "$.detail.state[0]",
    reason: 'unknown operator "contains"',
  },
  {
    name: "rejects an operator object with two operators",
    pattern: leaf({ prefix: "a", suffix: "b" }),
    path: "$.detail.state[0]",
    reason: "exactly one key, got 2",
  },
  {
    name: "rejects an operator object with no operator",
    pattern: leaf({}),
    path: "$.detail.state[0]",
    reason: "exactly one key, got 0",
  },
  {
    name: "requires prefix to be a string",
    pattern: leaf({ prefix: 5 }),
    path: "$.detail.state[0].prefix",
    reason: "prefix must be a string, got a number",
  },
  {
    name: "requires the ignore-case prefix to be a string",
    pattern: leaf({ prefix: { "equals-ignore-case": 5 } }),
    path: "$.detail.state[0].prefix.equals-ignore-case",
    reason: "must be a string",
  },
  {
    name: "rejects prefix options other than equals-ignore-case",
    pattern: leaf({ prefix: { wildcard: "a*" } }),
    path: "$.detail.state[0].prefix.wildcard",
    reason: 'unsupported prefix option "wildcard"',
  },
  {
    name: "requires suffix to be a string",
    pattern: leaf({ suffix: ["a"] }),
    path: "$.detail.state[0].suffix",
    reason: "suffix must be a string",
  },
  {
    name: "requires equals-ignore-case to be a string",
    pattern: leaf({ "equals-ignore-case": null }),
    path: "$.detail.state[0].equals-ignore-case",
    reason: "must be a string, got null",
  },
  {
    name: "rejects consecutive wildcard characters",
    pattern: leaf({ wildcard: "a**b" }),
    path: "$.detail.state[0].wildcard",
    reason: "consecutive wildcard characters at position 1",
  },
  {
    name: "rejects escaping anything but a star or a backslash",
    pattern: leaf({ wildcard: "a\\b" }),
    path: "$.detail.state[0].wildcard",
    reason: "invalid escape at position 1",
  },
  {
    name: "requires numeric to be an array",
    pattern: leaf({ numeric: ">" }),
    path: "$.detail.state[0].numeric",
    reason: "numeric needs an array",
  },
  {
    name: "rejects a numeric array of odd length",
    pattern: leaf({ numeric: [">", 0, "<="] }),
    path: "$.detail.state[0].numeric",
    reason: "numeric needs an array",
  },
  {
    name: "requires numeric bounds to be numbers",
    pattern: leaf({ numeric: ["<", "5"] }),
    path: "$.detail.state[0].numeric[1]",
    reason: 'bound of "<" must be a number',
  },
  {
    name: "names an unknown numeric comparison",
    pattern: leaf({ numeric: ["!=", 5] }),
    path: "$.detail.state[0].numeric[0]",
    reason: 'got "!="',
  },
  {
    name: "requires a range to start with its lower bound",
    pattern: leaf({ numeric: ["<", 5, ">", 1] }),
    path: "$.detail.state[0].numeric[0]",
    reason: 'expected ">" or ">="',
  },
  {
    name: "requires a range to end with an upper bound",
    pattern: leaf({ numeric: [">", 0, ">", 5] }),
    path: "$.detail.state[0].numeric[2]",
    reason: 'expected "<" or "<="',
  },
  {
    name: "rejects a range whose lower bound is not below its upper bound",
    pattern: leaf({ numeric: [">", 5, "<", 1] }),
    path: "$.detail.state[0].numeric",
    reason: "lower bound 5 must be less than upper bound 1",
  },
  {
    name: "rejects numeric bounds beyond ±5.0e9",
    pattern: leaf({ numeric: [">", 6e9] }),
    path: "$.detail.state[0].numeric[1]",
    reason: "outside -5.0e9..5.0e9",
  },
  {
    name: "rejects numeric bounds with more than six decimals",
    pattern: leaf({ numeric: ["=", 1.0000001] }),
    path: "$.detail.state[0].numeric[1]",
    reason: "more than 6 decimal places",
  },
  {
    name: "requires exists to be a boolean",
    pattern: leaf({ exists: "true" }),
    path: "$.detail.state[0].exists",
    reason: "exists must be true or false, got a string",
  },
  {
    name: "rejects an empty anything-but list",
    pattern: leaf({ "anything-but": [] }),
    path: "$.detail.state[0].anything-but",
    reason: "must not be empty",
  },
  {
    name: "rejects an anything-but list mixing strings and numbers",
    pattern: leaf({ "anything-but": ["a", 1] }),
    path: "$.detail.state[0].anything-but",
    reason: "all strings or all numbers",
  },
  {
    name: "rejects booleans in an anything-but list",
    pattern: leaf({ "anything-but": [true] }),
    path: "$.detail.state[0].anything-but[0]",
    reason: "strings or numbers, got a boolean",
  },
  {
    name: "rejects a null anything-but",
    pattern: leaf({ "anything-but": null }),
    path: "$.detail.state[0].anything-but",
    reason: "got null",
  },
  {
    name: "rejects an empty anything-but prefix",
    pattern: leaf({ "anything-but": { prefix: "" } }),
    path: "$.detail.state[0].anything-but.prefix",
    reason: "anything-but prefix must not be empty",
  },
  {
    name: "requires anything-but suffixes to be strings",
    pattern: leaf({ "anything-but": { suffix: [".png", 5] } }),
    path: "$.detail.state[0].anything-but.suffix[1]",
    reason: "must be a string, got a number",
  },
  {
    name: "names an unsupported anything-but option",
    pattern: leaf({ "anything-but": { numeric: [">", 1] } }),
    path: "$.detail.state[0].anything-but.numeric",
    reason: 'unsupported anything-but option "numeric"',
  },
  {
    name: "applies wildcard rules inside anything-but",
    pattern: leaf({ "anything-but": { wildcard: "*/lib/**" } }),
    path: "$.detail.state[0].anything-but.wildcard",
    reason: "consecutive wildcard characters",
  },
  {
    name: "rejects a CIDR prefix length beyond 32 bits",
    pattern: leaf({ cidr: "10.0.0.0/33" }),
    path: "$.detail.state[0].cidr",
    reason: "is not an IPv4 or IPv6 CIDR block",
  },
  {
    name: "rejects a CIDR block without a prefix length",
    pattern: leaf({ cidr: "10.0.0.0" }),
    path: "$.detail.state[0].cidr",
    reason: "not an IPv4 or IPv6 CIDR block",
  },
  {
    name: "rejects a malformed IPv6 CIDR block",
    pattern: leaf({ cidr: "2001:db8:::/32" }),
    path: "$.detail.state[0].cidr",
    reason: "not an IPv4 or IPv6 CIDR block",
  },
  {
    name: "requires $or to hold at least two alternatives",
    pattern: { $or: [{ source: ["aws.ec2"] }] },
    path: "$.$or",
    reason: "at least 2 objects, got 1",
  },
  {
    name: "requires $or alternatives to be objects",
    pattern: { $or: [{ source: ["aws.ec2"] }, "aws.s3"] },
    path: "$.$or[1]",
    reason: "may only hold objects, got a string",
  },
  {
    name: "rejects an empty $or alternative",
    pattern: { detail: { $or: [{}, { state: ["running"] }] } },
    path: "$.detail.$or[0]",
    reason: "empty objects are not allowed",
  },
  {
    name: "rejects operator names used as fields inside $or",
    pattern: { $or: [{ prefix: ["a"] }, { source: ["aws.ec2"] }] },
    path: "$.$or[0].prefix",
    reason: '"prefix" is an operator and cannot be a field name inside $or',
  },
  {
    name: "quotes field names that are not plain identifiers in the path",
    pattern: { detail: { "odd key": [] } },
    path: '$.detail["odd key"]',
    reason: "empty arrays",
  },
];

describe("compileEventPattern validation", () => {
  it.each(cases)("$name", ({ pattern, path, reason }) => {
    const error = compileError(pattern);
    expect(error.path).toBe(path);
    expect(error.message).toMatch(reason);
    expect(error.message).toContain(path);
  });

  it("reports invalid patterns as a non-retryable avmon error", () => {
    const error = compileError({ source: "aws.ec2" });
    expect(error).toBeInstanceOf(Error);
    expect(error.code).toBe("INVALID_EVENT_PATTERN");
    expect(error.retryable).toBe(false);
  });

  it("does not take inherited object properties for operators", () => {
    expect(compileError(leaf({ toString: "x" })).reason).toContain('unknown operator "toString"');
  });

  it("accepts every documented operator form", () => {
    const pattern = {
      detail: {
        a: ["x", 1, true, null, { prefix: "p" }, { prefix: { "equals-ignore-case": "P" } }],
        b: [{ suffix: ".png" }, { suffix: { "equals-ignore-case": ".PNG" } }, { "equals-ignore-case": "x" }],
        c: [{ wildcard: "dir/*.png" }, { cidr: "10.0.0.0/24" }, { cidr: "2001:db8::/32" }, { exists: true }],
        d: [{ "anything-but": "x" }, { "anything-but": 1 }, { "anything-but": ["x", "y"] }],
        e: [{ "anything-but": { prefix: "p" } }, { "anything-but": { suffix: ["s", "t"] } }],
        f: [{ "anything-but": { "equals-ignore-case": "x" } }, { "anything-but": { wildcard: "*/lib/*" } }],
        g: [{ numeric: [">", 0, "<=", 5] }, { numeric: ["=", 3.018e2] }, { numeric: ["<", 10] }],
      },
      $or: [{ source: ["a"] }, { source: ["b"] }],
    };
    expect(() => compileEventPattern(pattern)).not.toThrow();
  });
});
