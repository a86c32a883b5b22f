import { describe, expect, it } from "vitest";
import {
  compileEventPattern,
  matchesEventPattern,
} from "../../../core-service/src/domain/event-pattern/index.ts";
import { ec2Event } from "./fixtures.ts";

describe("speed", () => {
  it("matches a compiled pattern against an event in microseconds", () => {
    const compiled = compileEventPattern({
      source: [{ prefix: "aws." }],
      $or: [{ region: ["eu-west-1"] }, { "detail-type": [{ wildcard: "EC2*Notification" }] }],
      detail: {
        state: [{ "anything-but": ["stopped", "terminated"] }],
        "c-count": [{ numeric: [">", 0, "<=", 5] }],
        "source-ip": [{ cidr: "10.0.0.0/8" }],
      },
    });
    const iterations = 20_000;
    const started = performance.now();
    let matched = 0;
    for (let i = 0; i < iterations; i++) if (matchesEventPattern(compiled, ec2Event)) matched++;
    const microsecondsEach = ((performance.now() - started) * 1000) / iterations;
    expect(matched).toBe(iterations);
    // Generous for a shared 2-core machine; typical runs are around a microsecond.
    expect(microsecondsEach).toBeLessThan(50);
  });
});
