import { describe } from "vitest";
import { ec2Event, eventWithDetail, expectCases } from "./fixtures.ts";

describe("anything-but", () => {
  expectCases([
    {
      name: "matches any other string (documented)",
      pattern: { detail: { state: [{ "anything-but": "initializing" }] } },
      event: ec2Event,
      expected: true,
    },
    {
      name: "excludes the named string",
      pattern: { detail: { state: [{ "anything-but": "running" }] } },
      event: ec2Event,
      expected: false,
    },
    {
      name: "matches outside a documented list of strings",
      pattern: { detail: { state: [{ "anything-but": ["stopped", "overloaded"] }] } },
      event: ec2Event,
      expected: true,
    },
    {
      name: "excludes every string in the list",
      pattern: { detail: { state: [{ "anything-but": ["stopped", "running"] }] } },
      event: ec2Event,
      expected: false,
    },
    {
      name: "matches a number other than the excluded one (documented)",
      pattern: { detail: { "x-limit": [{ "anything-but": 123 }] } },
      event: ec2Event,
      expected: true,
    },
    {
      name: "excludes every number in a documented list",
      pattern: { detail: { "x-limit": [{ "anything-but": [100, 200, 300] }] } },
      event: eventWithDetail({ "x-limit": 200.0 }),
      expected: false,
    },
    {
      name: "does not let an excluded number exclude the same digits as a string",
      pattern: { detail: { "c-count": [{ "anything-but": [5] }] } },
      event: eventWithDetail({ "c-count": "5" }),
      expected: true,
    },
    {
      name: "does not match a missing field",
      pattern: { detail: { owner: [{ "anything-but": "alice" }] } },
      event: ec2Event,
      expected: false,
    },
    {
      name: "matches an event array holding any value that is not excluded",
      pattern: { detail: { state: [{ "anything-but": "running" }] } },
      event: eventWithDetail({ state: ["running", "stopped"] }),
      expected: true,
    },
    {
      name: "fails an event array whose values are all excluded",
      pattern: { detail: { state: [{ "anything-but": ["running", "stopped"] }] } },
      event: eventWithDetail({ state: ["running", "stopped"] }),
      expected: false,
    },
    {
      name: "excludes values with the documented prefix",
      pattern: { detail: { state: [{ "anything-but": { prefix: "init" } }] } },
      event: eventWithDetail({ state: "initializing" }),
      expected: false,
    },
    {
      name: "matches values without the excluded prefix",
      pattern: { detail: { state: [{ "anything-but": { prefix: "init" } }] } },
      event: ec2Event,
      expected: true,
    },
    {
      name: "excludes values starting with any prefix in a list",
      pattern: { region: [{ "anything-but": { prefix: ["us-", "eu-"] } }] },
      event: ec2Event,
      expected: false,
    },
    {
      name: "excludes values with the documented suffix",
      pattern: { detail: { FileName: [{ "anything-but": { suffix: ".png" } }] } },
      event: eventWithDetail({ FileName: "a.png" }),
      expected: false,
    },
    {
      name: "matches values without the excluded suffix",
      pattern: { detail: { FileName: [{ "anything-but": { suffix: ".png" } }] } },
      event: eventWithDetail({ FileName: "a.jpg" }),
      expected: true,
    },
    {
      name: "excludes any casing of the documented ignore-case value",
      pattern: { detail: { state: [{ "anything-but": { "equals-ignore-case": "RUNNING" } }] } },
      event: ec2Event,
      expected: false,
    },
    {
      name: "matches values outside an ignore-case list",
      pattern: { detail: { state: [{ "anything-but": { "equals-ignore-case": ["STOPPED", "Pending"] } }] } },
      event: ec2Event,
      expected: true,
    },
    {
      name: "excludes paths matching the documented wildcard",
      pattern: { detail: { FilePath: [{ "anything-but": { wildcard: "*/lib/*" } }] } },
      event: eventWithDetail({ FilePath: "/usr/lib/libc.so" }),
      expected: false,
    },
    {
      name: "matches paths outside the excluded wildcard",
      pattern: { detail: { FilePath: [{ "anything-but": { wildcard: "*/lib/*" } }] } },
      event: eventWithDetail({ FilePath: "/usr/bin/env" }),
      expected: true,
    },
  ]);
});
