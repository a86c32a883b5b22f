/**
 * The evidence store contract against the folder the local stack and `avmon analyze --evidence` write to, and
 * against S3 (the ingest bucket on fauxqs's S3 wire protocol), read back through the presigned link the API
 * hands out, as a browser would.
 */
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, type S3Client } from "@aws-sdk/client-s3";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { S3Evidence } from "../../core-service/src/adapters/aws/s3-evidence.ts";
import { FolderEvidenceStore } from "../../core-service/src/adapters/local/folder-evidence-store.ts";
import { EVIDENCE_FORMATS } from "../../core-service/src/domain/evidence.ts";
import { describeEvidenceStoreContract } from "../contract/evidence-store.contract.ts";
import { type FauxqsServer, startFauxqsServer } from "../support/fauxqs-server.ts";

describeEvidenceStoreContract("a local folder", async () => {
  const root = mkdtempSync(join(tmpdir(), "avmon-evidence-store-"));
  const store = new FolderEvidenceStore(root);
  return {
    store,
    read: async (key) => new Uint8Array(readFileSync(join(root, key))),
  };
});

describe("a local folder's keys", () => {
  it("refuses a key that would climb out of the folder, writing nothing", async () => {
    const root = join(mkdtempSync(join(tmpdir(), "avmon-evidence-store-")), "evidence-root");
    const store = new FolderEvidenceStore(root);
    const image = { format: EVIDENCE_FORMATS.picture, bytes: new Uint8Array([1]), at: 0 };

    await expect(store.put("../outside.jpg", image)).rejects.toThrow(/is not a file below/);
    await expect(store.put("/etc/outside.jpg", image)).rejects.toThrow(/is not a file below/);
  });
});

let fauxqs: FauxqsServer;
let s3: S3Client;
let buckets = 0;
beforeAll(async () => {
  fauxqs = await startFauxqsServer();
  s3 = fauxqs.s3;
});
afterAll(async () => {
  await fauxqs?.stop();
});

describeEvidenceStoreContract("the ingest bucket (S3)", async () => {
  const bucket = `avmon-ingest-${++buckets}`;
  await s3.send(new CreateBucketCommand({ Bucket: bucket }));
  const store = new S3Evidence({ client: s3, bucket });
  return {
    store,
    read: async (key) => {
      const format = key.endsWith(".svg") ? EVIDENCE_FORMATS.sound : EVIDENCE_FORMATS.picture;
      const response = await fetch((await store.link({ key, format })).url);
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toBe(format.contentType);
      return new Uint8Array(await response.arrayBuffer());
    },
  };
});
