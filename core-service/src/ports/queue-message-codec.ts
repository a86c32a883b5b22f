import { QueueMessage } from "../domain/job.ts";

export type DecodedMessage =
  | { readonly ok: true; readonly message: QueueMessage }
  | { readonly ok: false; readonly reason: string };

const SUPPORTED_VERSION = 1;

export function encodeQueueMessage(message: QueueMessage): string {
  return JSON.stringify(QueueMessage.parse(message));
}

/** Turns a raw queue body into a job, or into the reason it is poison (logged, then dead-lettered). */
export function decodeQueueMessage(body: string): DecodedMessage {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    return { ok: false, reason: `invalid JSON: ${(error as Error).message}` };
  }
  const version = readVersion(json);
  if (version !== undefined && version !== SUPPORTED_VERSION) {
    return { ok: false, reason: `unsupported message version ${JSON.stringify(version)}` };
  }
  const parsed = QueueMessage.safeParse(json);
  if (parsed.success) return { ok: true, message: parsed.data };
  const issues = parsed.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`);
  return { ok: false, reason: `schema mismatch: ${issues.join("; ")}` };
}

// A different version is a different reason from a broken v1 message: it usually means a newer producer.
function readVersion(json: unknown): unknown {
  if (typeof json !== "object" || json === null || !("version" in json)) return undefined;
  return json.version;
}
