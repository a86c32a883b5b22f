import { S3Client } from "@aws-sdk/client-s3";
import { describe, expect, it } from "vitest";
import { parseS3Uri, s3UrlPresigner } from "../../core-service/src/adapters/aws/s3-presigner.ts";
import { InvalidSourceError, SourceUnreachableError } from "../../core-service/src/domain/errors.ts";
import { ForbiddenSourceError } from "../../core-service/src/security/ssrf-guard.ts";
import { sourceGate } from "../../core-service/src/worker/source-gate.ts";

const s3 = new S3Client({
  region: "eu-west-1",
  credentials: { accessKeyId: "AKIDEXAMPLE", secretAccessKey: "secret", sessionToken: "token" },
});
const signal = new AbortController().signal;

describe("the worker's source gate on AWS", () => {
  it("turns an s3:// source into a presigned HTTPS GET URL valid for six hours", async () => {
    const gate = sourceGate({ presignS3: s3UrlPresigner(s3) });

    const url = new URL(await gate("s3://avmon-ingest/uploads/clip one.mp4", signal));

    expect(url.protocol).toBe("https:");
    expect(url.hostname).toBe("avmon-ingest.s3.eu-west-1.amazonaws.com");
    expect(decodeURIComponent(url.pathname)).toBe("/uploads/clip one.mp4");
    expect(url.searchParams.get("X-Amz-Expires")).toBe("21600");
    expect(url.searchParams.get("X-Amz-Security-Token")).toBe("token");
  });

  it("refuses a URL whose host now resolves to a private address (DNS rebinding)", async () => {
    const gate = sourceGate({
      presignS3: s3UrlPresigner(s3),
      ssrf: { resolve: async () => ["10.0.0.7"] },
    });

    await expect(gate("https://media.example.com/live.m3u8", signal)).rejects.toBeInstanceOf(
      ForbiddenSourceError,
    );
  });

  it("passes a URL on a public address through unchanged", async () => {
    const gate = sourceGate({
      presignS3: s3UrlPresigner(s3),
      ssrf: { resolve: async () => ["93.184.216.34"] },
    });

    await expect(gate("https://media.example.com/live.m3u8", signal)).resolves.toBe(
      "https://media.example.com/live.m3u8",
    );
  });

  it("fails retryably when a URL cannot be signed for want of credentials", async () => {
    const gate = sourceGate({
      presignS3: async () => {
        throw new Error("Could not load credentials from any providers");
      },
    });

    await expect(gate("s3://avmon-ingest/a.mp4", signal)).rejects.toBeInstanceOf(SourceUnreachableError);
  });

  it("refuses an S3 URI without a key", () => {
    expect(() => parseS3Uri("s3://avmon-ingest/")).toThrow(InvalidSourceError);
  });
});
