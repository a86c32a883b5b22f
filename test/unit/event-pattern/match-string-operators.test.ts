import { describe } from "vitest";
import { ec2Event, eventWithDetail, expectCases } from "./fixtures.ts";

describe("prefix, suffix and equals-ignore-case", () => {
  expectCases([
    {
      name: "matches a documented prefix on time",
      pattern: { time: [{ prefix: "2017-10-02" }] },
      event: ec2Event,
      expected: true,
    },
    {
      name: "fails a prefix that the value does not start with",
      pattern: { time: [{ prefix: "2017-10-03" }] },
      event: ec2Event,
      expected: false,
    },
    {
      name: "never applies a prefix to a number",
      pattern: { detail: { "c-count": [{ prefix: "5" }] } },
      event: ec2Event,
      expected: false,
    },
    {
      name: "matches a prefix ignoring case",
      pattern: { "detail-type": [{ prefix: { "equals-ignore-case": "ec2 INSTANCE" } }] },
      event: ec2Event,
      expected: true,
    },
    {
      name: "fails a case-insensitive prefix that differs in more than case",
      pattern: { "detail-type": [{ prefix: { "equals-ignore-case": "ec3 instance" } }] },
      event: ec2Event,
      expected: false,
    },
    {
      name: "matches a documented suffix",
      pattern: { detail: { FileName: [{ suffix: ".png" }] } },
      event: eventWithDetail({ FileName: "dir/image.png" }),
      expected: true,
    },
    {
      name: "keeps suffix matching case-sensitive",
      pattern: { detail: { FileName: [{ suffix: ".png" }] } },
      event: eventWithDetail({ FileName: "image.PNG" }),
      expected: false,
    },
    {
      name: "matches a suffix ignoring case",
      pattern: { detail: { FileName: [{ suffix: { "equals-ignore-case": ".png" } }] } },
      event: eventWithDetail({ FileName: "image.PNG" }),
      expected: true,
    },
    {
      name: "matches equals-ignore-case in any casing",
      pattern: { source: [{ "equals-ignore-case": "AWS.EC2" }] },
      event: ec2Event,
      expected: true,
    },
    {
      name: "requires equals-ignore-case to match the whole value",
      pattern: { source: [{ "equals-ignore-case": "aws.ec" }] },
      event: ec2Event,
      expected: false,
    },
  ]);
});

describe("wildcard", () => {
  const withFile = (FilePath: unknown) => eventWithDetail({ FilePath });
  expectCases([
    {
      name: "matches a star in the middle",
      pattern: { source: [{ wildcard: "Simple*Service" }] },
      event: { ...ec2Event, source: "Simple Notification Service" },
      expected: true,
    },
    {
      name: "lets a star span slashes",
      pattern: { detail: { FilePath: [{ wildcard: "dir/*.png" }] } },
      event: withFile("dir/sub/a.png"),
      expected: true,
    },
    {
      name: "anchors the text before the first star",
      pattern: { detail: { FilePath: [{ wildcard: "dir/*.png" }] } },
      event: withFile("other/dir/a.png"),
      expected: false,
    },
    {
      name: "lets stars stand for nothing",
      pattern: { detail: { FilePath: [{ wildcard: "*Title*" }] } },
      event: withFile("Title"),
      expected: true,
    },
    {
      name: "requires the literal pieces in order",
      pattern: { detail: { FilePath: [{ wildcard: "a*b*c" }] } },
      event: withFile("acb"),
      expected: false,
    },
    {
      name: "does not let a middle piece overlap the final one",
      pattern: { detail: { FilePath: [{ wildcard: "*ab*ab" }] } },
      event: withFile("xab"),
      expected: false,
    },
    {
      name: "treats an escaped star as a literal star",
      pattern: { detail: { FilePath: [{ wildcard: "a\\*b" }] } },
      event: withFile("a*b"),
      expected: true,
    },
    {
      name: "does not let an escaped star match other characters",
      pattern: { detail: { FilePath: [{ wildcard: "a\\*b" }] } },
      event: withFile("axb"),
      expected: false,
    },
    {
      name: "reads a double backslash as one literal backslash",
      pattern: { detail: { FilePath: [{ wildcard: "C:\\\\*.txt" }] } },
      event: withFile("C:\\notes.txt"),
      expected: true,
    },
    {
      name: "matches the empty string with a lone star",
      pattern: { detail: { FilePath: [{ wildcard: "*" }] } },
      event: withFile(""),
      expected: true,
    },
    {
      name: "never applies a wildcard to a number",
      pattern: { detail: { "c-count": [{ wildcard: "*" }] } },
      event: ec2Event,
      expected: false,
    },
  ]);
});
