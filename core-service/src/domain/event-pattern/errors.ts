import { AvmonError } from "../errors.ts";

/**
 * An event pattern that EventBridge would refuse. The message names the JSON path of the offending part
 * (`$.detail.state[0].prefix`) so a subscriber can fix the pattern without guessing.
 */
export class InvalidEventPatternError extends AvmonError {
  readonly code = "INVALID_EVENT_PATTERN";
  readonly retryable = false;
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`Invalid event pattern at ${path}: ${reason}`);
  }
}

const PLAIN_KEY = /^[A-Za-z_$][\w$-]*$/;

/** JSON path of a member, written the way people read them: `$.detail.state`, `$["odd key"]`. */
export function memberPath(parent: string, key: string): string {
  return PLAIN_KEY.test(key) ? `${parent}.${key}` : `${parent}[${JSON.stringify(key)}]`;
}

export function elementPath(parent: string, index: number): string {
  return `${parent}[${index}]`;
}

export function describeJsonType(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "an array";
  if (typeof value === "object") return "an object";
  return `a ${typeof value}`;
}
