import { describe, expect, it } from "vitest";
import {
  compileEventPattern,
  matchesEventPattern,
} from "../../../core-service/src/domain/event-pattern/index.ts";
import { ec2Event } from "./fixtures.ts";

// Matching speed is a benchmark matter (machines are noisy); this holds what reuse must not change.
describe("a compiled pattern", () => {
  it("gives the same answers however many events it has matched before", () => {
    const compiled = compileEventPattern({
      source: [{ prefix: "aws." }],
      $or: [{ region: ["eu-west-1"] }, { "detail-type": [{ wildcard: "EC2*Notification" }] }],
      detail: {
        state: [{ "anything-but": ["stopped", "terminated"] }],
        "c-count": [{ numeric: [">", 0, "<=", 5] }],
        "source-ip": [{ cidr: "10.0.0.0/8" }],
      },
    });
    const stopped = { ...ec2Event, detail: { ...ec2Event.detail, state: "stopped" } };
    const answers: boolean[] = [];
    for (let i = 0; i < 10_000; i++) answers.push(matchesEventPattern(compiled, i % 2 ? stopped : ec2Event));
    expect(answers.filter((a, i) => a === (i % 2 === 0))).toHaveLength(answers.length);
  });
});
