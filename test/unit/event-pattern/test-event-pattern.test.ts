import { describe, expect, it } from "vitest";
import { runTestEventPattern } from "../../../core-service/src/cli/test-event-pattern.ts";
import { ec2Event } from "./fixtures.ts";

const event = JSON.stringify(ec2Event);

function run(eventPattern: string, eventText = event) {
  return runTestEventPattern({ eventPattern, event: eventText });
}

function withoutField(field: string): string {
  const copy: Record<string, unknown> = { ...ec2Event };
  delete copy[field];
  return JSON.stringify(copy);
}

describe("avmon test-event-pattern", () => {
  it('prints {"Result":true} and exits 0 when the event matches', () => {
    expect(run('{"source": ["aws.ec2"], "detail": {"state": ["running"]}}')).toEqual({
      exitCode: 0,
      output: '{"Result":true}',
    });
  });

  it('prints {"Result":false} and exits 0 when the event does not match', () => {
    expect(run('{"source": ["aws.s3"]}')).toEqual({ exitCode: 0, output: '{"Result":false}' });
  });

  it("exits 2 with a one-line message when the pattern is not JSON", () => {
    const result = run('{"source": ["aws.ec2"]\n');
    expect(result.exitCode).toBe(2);
    expect(result.output).toMatch(/^--event-pattern is not valid JSON: /);
    expect(result.output).not.toContain("\n");
  });

  it("exits 2 naming the path of an invalid pattern", () => {
    const result = run('{"detail": {"state": [{"numeric": [">", "x"]}]}}');
    expect(result).toEqual({
      exitCode: 2,
      output:
        '--event-pattern: Invalid event pattern at $.detail.state[0].numeric[1]: bound of ">" must be a number',
    });
  });

  it("exits 2 when the event is not JSON", () => {
    const result = run('{"source": ["aws.ec2"]}', "not json");
    expect(result.exitCode).toBe(2);
    expect(result.output).toMatch(/^--event is not valid JSON: /);
  });

  it.each(["id", "account", "source", "time", "region", "resources", "detail-type"])(
    "exits 2 when the event lacks the required %s field",
    (field) => {
      const result = run('{"source": ["aws.ec2"]}', withoutField(field));
      expect(result).toEqual({
        exitCode: 2,
        output: `--event is not a valid EventBridge event: missing required field "${field}"`,
      });
    },
  );

  it("exits 2 when resources is not a list of strings", () => {
    const result = run('{"source": ["aws.ec2"]}', JSON.stringify({ ...ec2Event, resources: "arn:x" }));
    expect(result.exitCode).toBe(2);
    expect(result.output).toContain('field "resources"');
  });

  it("exits 2 when time is not a timestamp", () => {
    const result = run('{"source": ["aws.ec2"]}', JSON.stringify({ ...ec2Event, time: "yesterday" }));
    expect(result.exitCode).toBe(2);
    expect(result.output).toContain('field "time"');
  });

  it("exits 2 when the event is not an object", () => {
    const result = run('{"source": ["aws.ec2"]}', "[1, 2]");
    expect(result.exitCode).toBe(2);
    expect(result.output).toMatch(/^--event is not a valid EventBridge event: .*expected object/);
  });

  it("accepts an event without detail or version, as AWS does", () => {
    const { detail: _detail, version: _version, ...bare } = ec2Event;
    expect(run('{"detail": {"state": [{"exists": false}]}}', JSON.stringify(bare))).toEqual({
      exitCode: 0,
      output: '{"Result":true}',
    });
  });
});
