import { describe } from "vitest";
import { ec2Event, eventWithDetail, expectCases } from "./fixtures.ts";

describe("numeric", () => {
  expectCases([
    {
      name: "matches the documented numeric example on every field",
      pattern: {
        detail: {
          "c-count": [{ numeric: [">", 0, "<=", 5] }],
          "d-count": [{ numeric: ["<", 10] }],
          "x-limit": [{ numeric: ["=", 3.018e2] }],
        },
      },
      event: ec2Event,
      expected: true,
    },
    {
      name: "fails above the upper bound of a range",
      pattern: { detail: { "c-count": [{ numeric: [">", 0, "<=", 5] }] } },
      event: eventWithDetail({ "c-count": 6 }),
      expected: false,
    },
    {
      name: "excludes the bound of an open lower end",
      pattern: { detail: { "c-count": [{ numeric: [">", 0, "<=", 5] }] } },
      event: eventWithDetail({ "c-count": 0 }),
      expected: false,
    },
    {
      name: "includes the bound of a closed lower end",
      pattern: { detail: { "c-count": [{ numeric: [">=", 0] }] } },
      event: eventWithDetail({ "c-count": 0 }),
      expected: true,
    },
    {
      name: "excludes the bound of an open upper end",
      pattern: { detail: { "c-count": [{ numeric: ["<", 5] }] } },
      event: ec2Event,
      expected: false,
    },
    {
      name: "compares 5 and 5.0 as equal",
      pattern: JSON.parse('{"detail": {"c-count": [{"numeric": ["=", 5.0]}]}}'),
      event: ec2Event,
      expected: true,
    },
    {
      name: "handles negative ranges",
      pattern: { detail: { delta: [{ numeric: [">", -10, "<", 0] }] } },
      event: eventWithDetail({ delta: -2.5 }),
      expected: true,
    },
    {
      name: "never compares a string, even one that looks numeric",
      pattern: { detail: { "c-count": [{ numeric: ["=", 5] }] } },
      event: eventWithDetail({ "c-count": "5" }),
      expected: false,
    },
    {
      name: "matches when any element of an event array is in range",
      pattern: { detail: { sizes: [{ numeric: [">", 10] }] } },
      event: eventWithDetail({ sizes: [1, 20] }),
      expected: true,
    },
    {
      name: "ignores event numbers beyond the documented ±5.0e9 range",
      pattern: { detail: { bytes: [{ numeric: [">", 0] }] } },
      event: eventWithDetail({ bytes: 6e9 }),
      expected: false,
    },
  ]);
});

describe("exists", () => {
  expectCases([
    {
      name: "matches a present field with exists true",
      pattern: { detail: { "c-count": [{ exists: true }] } },
      event: ec2Event,
      expected: true,
    },
    {
      name: "fails a missing field with exists true",
      pattern: { detail: { owner: [{ exists: true }] } },
      event: ec2Event,
      expected: false,
    },
    {
      name: "matches a missing field with exists false (documented)",
      pattern: { detail: { "c-count": [{ exists: false }] } },
      event: eventWithDetail({ state: ["initializing", "running"] }),
      expected: true,
    },
    {
      name: "fails a present field with exists false",
      pattern: { detail: { "c-count": [{ exists: false }] } },
      event: ec2Event,
      expected: false,
    },
    {
      name: "matches exists false when the whole parent object is missing",
      pattern: { detail: { "c-count": [{ exists: false }] } },
      event: { source: "aws.ec2" },
      expected: true,
    },
    {
      name: "treats an object-valued field as absent, since exists tests leaves (documented)",
      pattern: { detail: { "c-count": [{ exists: false }] } },
      event: eventWithDetail({ state: "running", "c-count": { c1: 100 } }),
      expected: true,
    },
    {
      name: "does not count an object-valued field as existing",
      pattern: { detail: { "c-count": [{ exists: true }] } },
      event: eventWithDetail({ "c-count": { c1: 100 } }),
      expected: false,
    },
    {
      name: "counts a null value as existing",
      pattern: { detail: { responseElements: [{ exists: true }] } },
      event: eventWithDetail({ responseElements: null }),
      expected: true,
    },
    {
      name: "treats an empty array as absent",
      pattern: { detail: { tags: [{ exists: false }] } },
      event: eventWithDetail({ tags: [] }),
      expected: true,
    },
    {
      name: "combines exists false with a value (field missing or equal)",
      pattern: { detail: { state: ["stopped", { exists: false }] } },
      event: eventWithDetail({ state: "running" }),
      expected: false,
    },
  ]);
});

describe("cidr", () => {
  expectCases([
    {
      name: "matches an IPv4 address inside the documented block",
      pattern: { detail: { "source-ip": [{ cidr: "10.0.0.0/24" }] } },
      event: ec2Event,
      expected: true,
    },
    {
      name: "fails an IPv4 address outside the block",
      pattern: { detail: { "source-ip": [{ cidr: "10.0.0.0/24" }] } },
      event: eventWithDetail({ "source-ip": "10.0.1.1" }),
      expected: false,
    },
    {
      name: "ignores host bits written in the block",
      pattern: { detail: { "source-ip": [{ cidr: "10.0.0.5/24" }] } },
      event: eventWithDetail({ "source-ip": "10.0.0.200" }),
      expected: true,
    },
    {
      name: "matches a compressed IPv6 address inside an IPv6 block",
      pattern: { detail: { "source-ip": [{ cidr: "2001:db8::/32" }] } },
      event: eventWithDetail({ "source-ip": "2001:db8:0:0:1::1" }),
      expected: true,
    },
    {
      name: "fails an IPv6 address outside the block",
      pattern: { detail: { "source-ip": [{ cidr: "2001:db8::/32" }] } },
      event: eventWithDetail({ "source-ip": "2001:db9::1" }),
      expected: false,
    },
    {
      name: "never matches an IPv4 address against an IPv6 block",
      pattern: { detail: { "source-ip": [{ cidr: "::/0" }] } },
      event: ec2Event,
      expected: false,
    },
    {
      name: "fails a value that is not an IP address",
      pattern: { detail: { "source-ip": [{ cidr: "0.0.0.0/0" }] } },
      event: eventWithDetail({ "source-ip": "localhost" }),
      expected: false,
    },
  ]);
});
