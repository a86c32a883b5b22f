import { describe } from "vitest";
import { ec2Event, eventWithDetail, expectCases } from "./fixtures.ts";

describe("exact values, fields and arrays", () => {
  expectCases([
    {
      name: "matches the documented EC2 state-change pattern",
      pattern: {
        "detail-type": ["EC2 Instance State-change Notification"],
        resources: ["arn:aws:ec2:us-east-1:123456789012:instance/i-000000aaaaaa00000"],
        detail: { state: ["initializing", "running"] },
      },
      event: ec2Event,
      expected: true,
    },
    {
      name: "fails when one of several fields differs (AND across fields)",
      pattern: { source: ["aws.s3"], detail: { state: ["running"] } },
      event: ec2Event,
      expected: false,
    },
    {
      name: "fails when no listed value equals the event's (OR within a field)",
      pattern: { detail: { state: ["stopped", "terminated"] } },
      event: ec2Event,
      expected: false,
    },
    {
      name: "fails when a field named in the pattern is missing from the event",
      pattern: { detail: { owner: ["alice"] } },
      event: ec2Event,
      expected: false,
    },
    {
      name: "ignores event fields the pattern does not mention",
      pattern: { source: ["aws.ec2"] },
      event: ec2Event,
      expected: true,
    },
    {
      name: "compares strings case-sensitively",
      pattern: { detail: { state: ["RUNNING"] } },
      event: ec2Event,
      expected: false,
    },
    {
      name: "matches when pattern and event arrays intersect (documented resources example)",
      pattern: {
        resources: [
          "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f",
          "arn:aws:ec2:us-east-1:111122223333:instance/i-b188560f",
        ],
      },
      event: {
        ...ec2Event,
        resources: [
          "arn:aws:autoscaling:us-east-1:123456789012:autoScalingGroup:eb56d16b:autoScalingGroupName/ASGTerminate",
          "arn:aws:ec2:us-east-1:123456789012:instance/i-b188560f",
        ],
      },
      expected: true,
    },
    {
      name: "fails when pattern and event arrays share no value",
      pattern: { resources: ["arn:aws:ec2:us-east-1:123456789012:instance/i-other"] },
      event: ec2Event,
      expected: false,
    },
    {
      name: "looks through nested arrays of scalars",
      pattern: { detail: { codes: [3] } },
      event: eventWithDetail({ codes: [[1, 2], [3]] }),
      expected: true,
    },
    {
      name: 'does not match the string "5" against the number 5',
      pattern: { detail: { "c-count": ["5"] } },
      event: ec2Event,
      expected: false,
    },
    {
      name: 'does not match the number 5 against the string "5"',
      pattern: { detail: { "c-count": [5] } },
      event: eventWithDetail({ "c-count": "5" }),
      expected: false,
    },
    {
      name: "matches numbers by value whatever their spelling (3.018e2 is 301.8)",
      pattern: JSON.parse('{"detail": {"x-limit": [3.018e2]}}'),
      event: ec2Event,
      expected: true,
    },
    {
      name: "matches 5.0 in the pattern against 5 in the event",
      pattern: JSON.parse('{"detail": {"c-count": [5.0]}}'),
      event: ec2Event,
      expected: true,
    },
    {
      name: 'matches the boolean true but not the string "true"',
      pattern: { detail: { enabled: [true] } },
      event: eventWithDetail({ enabled: "true" }),
      expected: false,
    },
    {
      name: "matches a boolean false value",
      pattern: { detail: { enabled: [false] } },
      event: eventWithDetail({ enabled: false }),
      expected: true,
    },
    {
      name: "matches null against a null value (documented)",
      pattern: { detail: { responseElements: [null] } },
      event: eventWithDetail({ eventVersion: "", responseElements: null }),
      expected: true,
    },
    {
      name: "matches an empty string against an empty value (documented)",
      pattern: { detail: { eventVersion: [""] } },
      event: eventWithDetail({ eventVersion: "", responseElements: null }),
      expected: true,
    },
    {
      name: "does not treat null and the empty string as the same (documented)",
      pattern: { detail: { responseElements: [""] } },
      event: eventWithDetail({ eventVersion: "", responseElements: null }),
      expected: false,
    },
    {
      name: "does not match null against a missing field",
      pattern: { detail: { responseElements: [null] } },
      event: eventWithDetail({}),
      expected: false,
    },
    {
      name: "does not match a value list against an object-valued field",
      pattern: { detail: ["running"] },
      event: ec2Event,
      expected: false,
    },
    {
      name: "does not match a nested pattern against a scalar field",
      pattern: { source: { name: ["aws.ec2"] } },
      event: ec2Event,
      expected: false,
    },
    {
      name: "matches a nested field inside an array of objects",
      pattern: { detail: { employees: { firstName: ["Anna"] } } },
      event: eventWithDetail({
        employees: [
          { firstName: "John", lastName: "Doe" },
          { firstName: "Anna", lastName: "Smith" },
        ],
      }),
      expected: true,
    },
    {
      name: "requires sibling fields to match within the same array element",
      pattern: { detail: { employees: { firstName: ["Anna"], lastName: ["Jones"] } } },
      event: eventWithDetail({
        employees: [
          { firstName: "Anna", lastName: "Smith" },
          { firstName: "Peter", lastName: "Jones" },
        ],
      }),
      expected: false,
    },
    {
      name: "matches sibling fields found together in one element of a nested array",
      pattern: { detail: { employees: { firstName: ["Peter"], lastName: ["Jones"] } } },
      event: eventWithDetail({
        employees: [[{ firstName: "Anna", lastName: "Smith" }], [{ firstName: "Peter", lastName: "Jones" }]],
      }),
      expected: true,
    },
  ]);
});

describe("$or", () => {
  const nyOrMonday = { $or: [{ Location: ["New York"] }, { Day: ["Monday"] }] };
  expectCases([
    {
      name: "matches when the second alternative holds (documented)",
      pattern: nyOrMonday,
      event: { Location: "Boston", Day: "Monday" },
      expected: true,
    },
    {
      name: "fails when no alternative holds",
      pattern: nyOrMonday,
      event: { Location: "Boston", Day: "Tuesday" },
      expected: false,
    },
    {
      name: "still requires the fields beside the $or",
      pattern: { source: ["aws.cloudwatch"], ...nyOrMonday },
      event: { source: "aws.ec2", Location: "New York" },
      expected: false,
    },
    {
      name: "requires every field of an alternative (AND inside OR)",
      pattern: {
        $or: [{ metricName: ["CPUUtilization"] }, { metricType: ["MetricType"], namespace: ["AWS/EC2"] }],
      },
      event: { metricType: "MetricType", namespace: "AWS/ES" },
      expected: false,
    },
    {
      name: "applies an $or nested under detail to detail's fields",
      pattern: { detail: { $or: [{ "c-count": [{ numeric: [">", 10] }] }, { state: ["running"] }] } },
      event: ec2Event,
      expected: true,
    },
    {
      name: "needs every parallel $or to hold",
      pattern: {
        $or: [{ source: ["aws.ec2"] }, { region: ["eu-west-1"] }],
        detail: { $or: [{ state: ["stopped"] }, { "d-count": [{ numeric: [">", 5] }] }] },
      },
      event: ec2Event,
      expected: false,
    },
    {
      name: "evaluates an $or nested inside an alternative",
      pattern: {
        source: ["aws.cloudwatch"],
        $or: [
          { metricName: ["CPUUtilization"] },
          { namespace: ["AWS/EC2"], $or: [{ metricId: [1234] }, { spaceId: [1000] }] },
        ],
      },
      event: { source: "aws.cloudwatch", namespace: "AWS/EC2", spaceId: 1000 },
      expected: true,
    },
    {
      name: 'reads "$or" holding an object as an ordinary field name',
      pattern: { $or: { metricType: ["MetricType"] } },
      event: { $or: { metricType: "MetricType" } },
      expected: true,
    },
  ]);
});

describe("combined operators", () => {
  const documentedComplexPattern = {
    time: [{ prefix: "2017-10-02" }],
    detail: {
      state: [{ "anything-but": "initializing" }],
      "c-count": [{ numeric: [">", 0, "<=", 5] }],
      "d-count": [{ numeric: ["<", 10] }],
      "x-limit": [{ "anything-but": [100, 200, 300] }],
      "source-ip": [{ cidr: "10.0.0.0/8" }],
    },
  };
  expectCases([
    {
      name: "matches the documented complex example",
      pattern: documentedComplexPattern,
      event: ec2Event,
      expected: true,
    },
    {
      name: "fails the documented complex example when one operator fails",
      pattern: documentedComplexPattern,
      event: { ...ec2Event, detail: { ...ec2Event.detail, "source-ip": "192.168.0.1" } },
      expected: false,
    },
    {
      name: "matches an avmon defect event by type and start time",
      pattern: {
        source: ["avmon"],
        "detail-type": ["Defect Detected"],
        detail: { defect: { type: ["freeze", "black"], start: [{ numeric: [">=", 10] }] } },
      },
      event: {
        ...ec2Event,
        source: "avmon",
        "detail-type": "Defect Detected",
        detail: { jobId: "j1", defect: { type: "freeze", start: 15, end: 19, severity: "major" } },
      },
      expected: true,
    },
  ]);
});
