import { S3Client } from "@aws-sdk/client-s3";
import { SQSClient } from "@aws-sdk/client-sqs";
import { buildApp } from "fauxqs";

export interface FauxqsServer {
  /** `http://127.0.0.1:<port>`; queue URLs created through it share this host. */
  readonly endpoint: string;
  /** An SDK client pointed at this server with throwaway credentials. */
  readonly client: SQSClient;
  /** An S3 client on the same server (path-style: loopback has no per-bucket host names). */
  readonly s3: S3Client;
  stop(): Promise<void>;
}

/**
 * A real fauxqs server (SQS and S3 wire protocols) on loopback and a free port. Built from `buildApp` rather than
 * `startFauxqs` because the latter binds every interface, which a test has no reason to expose.
 */
export async function startFauxqsServer(): Promise<FauxqsServer> {
  const app = buildApp({ logger: false });
  const endpoint = await app.listen({ host: "127.0.0.1", port: 0 });
  const client = fauxqsClient(endpoint);
  const s3 = new S3Client({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    forcePathStyle: true,
    maxAttempts: 1,
  });
  return {
    endpoint,
    client,
    s3,
    async stop() {
      client.destroy();
      s3.destroy();
      await app.close();
    },
  };
}

/** Another SDK client on the same server (one that a test may wrap or mock without touching the shared one). */
export function fauxqsClient(endpoint: string): SQSClient {
  return new SQSClient({
    endpoint,
    region: "us-east-1",
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    maxAttempts: 1,
  });
}
