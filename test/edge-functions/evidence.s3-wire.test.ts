/**
 * `GET /v1/jobs/{jobId}/evidence/{alertId}` on AWS: the ingest-api Lambda reads the job's record (DynamoDB, on
 * dynalite) to learn whether the alert has an image, and redirects to a short-lived presigned URL of it in the
 * ingest bucket (S3 wire protocol, on fauxqs); the test follows the URL as a browser would.
 */
import { EventBridgeClient } from "@aws-sdk/client-eventbridge";
import { CreateBucketCommand, PutObjectCommand, type S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DynamoJobStore } from "../../core-service/src/adapters/aws/dynamodb-job-store.ts";
import type { Defect } from "../../core-service/src/domain/defect.ts";
import { defectDetected, jobAccepted } from "../../core-service/src/domain/events.ts";
import { EVIDENCE_FORMATS, evidenceKey, evidenceUrl } from "../../core-service/src/domain/evidence.ts";
import { anOpenDefect, at } from "../support/avmon-events.ts";
import { type DynaliteServer, startDynalite } from "../support/dynalite-server.ts";
import { type FauxqsServer, startFauxqsServer } from "../support/fauxqs-server.ts";
import { apiEvent, ingestApiHandler } from "./support.ts";

const BUCKET = "avmon-ingest";
const NOWHERE = "http://127.0.0.1:9";
const JOB = "3f0c6a2e-8d5b-4a57-9c1e-2b7f0d4e5a61";
const PICTURE = new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 1, 2, 3, 4, 0xff, 0xd9]);
const STRIP = '<svg xmlns="http://www.w3.org/2000/svg" width="320" height="60"></svg>';

let fauxqs: FauxqsServer;
let s3: S3Client;
let dynalite: DynaliteServer;
let api: ReturnType<typeof ingestApiHandler>["handler"];
const alerts: Record<string, string> = {};

beforeAll(async () => {
  fauxqs = await startFauxqsServer();
  s3 = fauxqs.s3;
  await s3.send(new CreateBucketCommand({ Bucket: BUCKET }));
  dynalite = await startDynalite();
  const TABLE = await dynalite.createJobTable();
  const jobs = new DynamoJobStore({ client: dynalite.documents, tableName: TABLE });
  ({ handler: api } = ingestApiHandler({
    groups: [{ name: "all", queueUrl: NOWHERE, detectors: ["black"] }],
    // Reading evidence must not queue or publish anything: both clients point at a closed port.
    sqs: new SQSClient({ endpoint: NOWHERE, region: "us-east-1", maxAttempts: 1 }),
    eventBridge: new EventBridgeClient({ endpoint: NOWHERE, region: "us-east-1", maxAttempts: 1 }),
    dynamo: dynalite,
    tableName: TABLE,
    ingestBucket: BUCKET,
    s3,
  }));

  // What the status projector records of a job whose worker produced evidence for two of its three defects.
  await jobs.apply(
    jobAccepted(JOB, { source: "s3://b/clip.mp4", mode: "file", detectors: ["black"], labels: {} }, at(0)),
  );
  const publish = async (name: string, defect: Defect, withEvidence: boolean) => {
    const event = defectDetected(JOB, defect, at(defect.start));
    alerts[name] = event.detail.alertId;
    if (withEvidence)
      event.detail.evidence = { thumbnail: evidenceUrl(JOB, event.detail.alertId), at: defect.start };
    await jobs.apply(event);
  };
  await publish("black", anOpenDefect({ type: "black", start: 3 }), true);
  await publish("silence", anOpenDefect({ type: "silence", start: 12 }), true);
  await publish("freeze", anOpenDefect({ type: "freeze", start: 9 }), false);
  const put = (key: string, body: Uint8Array | string, contentType: string) =>
    s3.send(new PutObjectCommand({ Bucket: BUCKET, Key: key, Body: body, ContentType: contentType }));
  await put(evidenceKey(JOB, alerts.black ?? "", EVIDENCE_FORMATS.picture), PICTURE, "image/jpeg");
  await put(evidenceKey(JOB, alerts.silence ?? "", EVIDENCE_FORMATS.sound), STRIP, "image/svg+xml");
});
afterAll(async () => {
  await fauxqs?.stop();
  await dynalite?.stop();
});

function getEvidence(jobId: string, alertId: string) {
  return api({
    ...apiEvent("GET", { jobId }),
    path: `/v1/jobs/${jobId}/evidence/${alertId}`,
    resource: "/jobs/{jobId}/evidence/{alertId}",
    pathParameters: { jobId, alertId },
  });
}

describe("evidence on AWS", () => {
  it("redirects to a presigned URL of a picture defect's JPEG that expires within minutes", async () => {
    const response = await getEvidence(JOB, alerts.black ?? "");

    expect(response.statusCode).toBe(302);
    const location = String(response.headers?.location);
    expect(JSON.parse(response.body)).toMatchObject({ url: location, contentType: "image/jpeg" });
    const url = new URL(location);
    expect(url.pathname).toBe(`/${BUCKET}/evidence/${JOB}/${alerts.black}.jpg`);
    expect(url.searchParams.get("X-Amz-Expires")).toBe("300");
    expect(url.searchParams.get("X-Amz-Signature")).toMatch(/^[0-9a-f]{64}$/);
    expect(response.headers?.["cache-control"]).toBe("private, max-age=60");
    const image = await fetch(location);
    expect(image.status).toBe(200);
    expect(new Uint8Array(await image.arrayBuffer())).toEqual(PICTURE);
  });

  it("redirects to the SVG sound strip of an audio defect", async () => {
    const response = await getEvidence(JOB, alerts.silence ?? "");

    expect(response.statusCode).toBe(302);
    const location = String(response.headers?.location);
    expect(new URL(location).pathname).toBe(`/${BUCKET}/evidence/${JOB}/${alerts.silence}.svg`);
    expect(await (await fetch(location)).text()).toBe(STRIP);
  });

  it.each([
    ["a defect published without evidence", () => [JOB, alerts.freeze ?? ""]],
    ["an alert the job does not have", () => [JOB, "ffffffffffffffffffffffffffffffff"]],
    ["a job nobody submitted", () => ["0b9f3c1e-0000-4000-8000-000000000000", alerts.black ?? ""]],
  ])("answers 404 for %s", async (_case, ids) => {
    const [jobId = "", alertId = ""] = ids();
    const response = await getEvidence(jobId, alertId);

    expect(response.statusCode).toBe(404);
    expect(JSON.parse(response.body).error).toContain("no evidence");
  });

  it.each([
    ["a job id that climbs out of the prefix", "..", "a1", "jobId"],
    ["an alert id with a slash", JOB, "a/../../secret", "alertId"],
    ["an alert id with an encoded slash", JOB, "a%2F..", "alertId"],
  ])("refuses %s with a 400", async (_case, jobId, alertId, field) => {
    const response = await getEvidence(jobId, alertId);

    expect(response.statusCode).toBe(400);
    expect(JSON.parse(response.body).error).toMatch(new RegExp(`^${field}: `));
  });
});
