import { expect, it } from "vitest";
import {
  compileEventPattern,
  matchesEventPattern,
} from "../../../core-service/src/domain/event-pattern/index.ts";

/** The EC2 state-change event used throughout the EventBridge documentation's pattern examples. */
export const ec2Event = {
  version: "0",
  id: "ddddd4-aaaa-7777-4444-345dd43cc333",
  "detail-type": "EC2 Instance State-change Notification",
  source: "aws.ec2",
  account: "012345679012",
  time: "2017-10-02T16:24:49Z",
  region: "us-east-1",
  resources: ["arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000"],
  detail: {
    "c-count": 5,
    "d-count": 3,
    "x-limit": 301.8,
    "source-ip": "10.0.0.33",
    "instance-id": "i-000000aaaaaa00000",
    state: "running",
  },
};

/** The same envelope with a different `detail`. */
export function eventWithDetail(detail: Record<string, unknown>): Record<string, unknown> {
  return { ...ec2Event, detail };
}

export interface MatchCase {
  readonly name: string;
  readonly pattern: unknown;
  readonly event: unknown;
  readonly expected: boolean;
}

/** One `it` per case: compile the pattern, match the event, compare with the documented outcome. */
export function expectCases(cases: readonly MatchCase[]) {
  it.each(cases)("$name", ({ pattern, event, expected }) => {
    const compiled = compileEventPattern(pattern);
    expect(matchesEventPattern(compiled, event)).toBe(expected);
  });
}
