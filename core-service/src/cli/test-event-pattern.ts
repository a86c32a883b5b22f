import { parseArgs } from "node:util";
import { ConfigError } from "../domain/errors.ts";
import {
  compileEventPattern,
  describeInvalidEnvelope,
  InvalidEventPatternError,
  matchesEventPattern,
} from "../domain/event-pattern/index.ts";
import type { CliIo } from "./io.ts";
import { TEST_EVENT_PATTERN_USAGE } from "./usage.ts";

export interface TestEventPatternResult {
  /** 0 when the question could be answered (match or not), 2 when the input was invalid. */
  readonly exitCode: number;
  /** `{"Result":true}` / `{"Result":false}`, or a one-line error message. */
  readonly output: string;
}

const INVALID_INPUT = 2;

class InvalidInput extends Error {}

function parseJson(text: string, option: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    throw new InvalidInput(`${option} is not valid JSON: ${reason.replace(/\s+/g, " ")}`);
  }
}

function compile(patternText: string) {
  try {
    return compileEventPattern(parseJson(patternText, "--event-pattern"));
  } catch (error) {
    if (error instanceof InvalidEventPatternError)
      throw new InvalidInput(`--event-pattern: ${error.message}`);
    throw error;
  }
}

function parseEvent(eventText: string): unknown {
  const event = parseJson(eventText, "--event");
  const problem = describeInvalidEnvelope(event);
  if (problem !== undefined) throw new InvalidInput(`--event is not a valid EventBridge event: ${problem}`);
  return event;
}

/**
 * `avmon test-event-pattern`: the same question and answer as `aws events test-event-pattern`, answered by
 * the local bus's matcher. Pure: the caller prints `output` and exits with `exitCode`.
 */
export function runTestEventPattern(args: { eventPattern: string; event: string }): TestEventPatternResult {
  try {
    const pattern = compile(args.eventPattern);
    const event = parseEvent(args.event);
    return { exitCode: 0, output: JSON.stringify({ Result: matchesEventPattern(pattern, event) }) };
  } catch (error) {
    if (error instanceof InvalidInput) return { exitCode: INVALID_INPUT, output: error.message };
    throw error;
  }
}

/** `avmon test-event-pattern --event-pattern '<json>' --event '<json>'`, like `aws events test-event-pattern`. */
export async function testEventPatternCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: { "event-pattern": { type: "string" }, event: { type: "string" } },
  });
  const eventPattern = values["event-pattern"];
  const event = values.event;
  if (eventPattern === undefined || event === undefined)
    throw new ConfigError(`usage: ${TEST_EVENT_PATTERN_USAGE}`);
  const result = runTestEventPattern({ eventPattern, event });
  if (result.exitCode === 0) io.stdout(`${result.output}\n`);
  else io.stderr(`avmon: ${result.output}\n`);
  return result.exitCode;
}
