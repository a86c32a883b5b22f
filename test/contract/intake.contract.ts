import { describe, expect, it } from "vitest";

/** What a client sees of one answer. */
export interface DoorAnswer {
  readonly status: number;
  readonly body: Record<string, unknown>;
  header(name: string): string | undefined;
}

/** One front door of intake (express over HTTP, or the ingest Lambda with API Gateway events), fresh per test. */
export interface IntakeDoor {
  /** A source this door accepts for a file job (a file below the local roots; an object in the ingest bucket). */
  source(name: string): string;
  post(body: unknown, headers?: Record<string, string>): Promise<DoorAnswer>;
  get(jobId: string): Promise<DoorAnswer>;
  delete(jobId: string): Promise<DoorAnswer>;
  /** The job ids of the messages put on the job queue(s), once every send has landed. */
  queuedJobIds(): Promise<string[]>;
  /** Each Job Accepted published so far, with how many of its job's messages were already queued then. */
  announcements(): readonly { readonly jobId: string; readonly queuedThen: number }[];
  /** Lets a worker finish the job as it would (Job Started, Job Completed). */
  finish(jobId: string): Promise<void>;
  close(): Promise<void>;
}

export type DoorFactory = () => Promise<IntakeDoor>;

const CONCURRENT_DUPLICATES = 8;

/**
 * The intake contract, the same for both front doors: answers, idempotency, stop, and the order of queueing
 * and Job Accepted. The three drifts (DELETE of a finished job, the fingerprint, the order) are cases.
 */
export function intakeContract(name: string, open: DoorFactory): void {
  describe(`intake contract: ${name}`, () => {
    const withDoor = (test: (door: IntakeDoor) => Promise<void>) => async () => {
      const door = await open();
      try {
        await test(door);
      } finally {
        await door.close();
      }
    };

    it(
      "accepts a job with 202, its id and Location, queues it once and shows it",
      withDoor(async (door) => {
        const answer = await door.post({ source: door.source("a.mp4") });

        expect(answer.status).toBe(202);
        const jobId = answer.body.jobId as string;
        expect(answer.body).toEqual({ jobId, status: "queued" });
        expect(answer.header("location")).toBe(`/v1/jobs/${jobId}`);
        expect(await door.queuedJobIds()).toEqual([jobId]);
        const view = await door.get(jobId);
        expect(view.status).toBe(200);
        expect(view.body).toMatchObject({ jobId, source: door.source("a.mp4"), mode: "file" });
      }),
    );

    const refusals: [string, (source: string) => unknown, string][] = [
      ["a missing source", () => ({ mode: "file" }), "source"],
      ["an unknown detector", (source) => ({ source, detectors: ["flicker"] }), "detectors.0"],
      [
        "a bad threshold",
        (source) => ({ source, thresholds: { freeze: { minDuration: -1 } } }),
        "thresholds",
      ],
      ["a live protocol in a file job", () => ({ source: "rtmp://media.example.com/live/x" }), "source"],
      ["live options without live mode", (source) => ({ source, live: { stallAfterSeconds: 5 } }), "live"],
      ["an unknown field", (source) => ({ source, colour: "blue" }), "body"],
      ["a body that is not an object", (source) => [source], "body"],
      ["malformed JSON", () => '{"source": ', "body"],
    ];
    it.each(refusals)("refuses %s with 400 naming the field, and queues nothing", (_case, body, field) =>
      withDoor(async (door) => {
        const answer = await door.post(body(door.source("a.mp4")));

        expect(answer.status).toBe(400);
        expect(answer.body.field).toBe(field);
        expect(answer.body.error).toEqual(expect.any(String));
        expect(await door.queuedJobIds()).toEqual([]);
        expect(door.announcements()).toEqual([]);
      })(),
    );

    it(
      "gives a retry with the same Idempotency-Key the same job, queued once, marked as a replay",
      withDoor(async (door) => {
        const body = { source: door.source("a.mp4"), labels: { channel: "one", region: "eu" } };
        const first = await door.post(body, { "Idempotency-Key": "k-1" });
        const reordered = { labels: { region: "eu", channel: "one" }, source: body.source };
        const retry = await door.post(reordered, { "idempotency-key": "k-1" });

        expect(retry.status).toBe(202);
        expect(retry.body.jobId).toBe(first.body.jobId);
        expect(first.header("idempotent-replayed")).toBeUndefined();
        expect(retry.header("idempotent-replayed")).toBe("true");
        expect(await door.queuedJobIds()).toEqual([first.body.jobId]);
      }),
    );

    it(
      "treats a retry that spells out a default field as the same request (the fingerprint is the parsed request)",
      withDoor(async (door) => {
        const first = await door.post({ source: door.source("a.mp4") }, { "Idempotency-Key": "k-2" });
        const spelledOut = await door.post(
          { source: door.source("a.mp4"), mode: "file", labels: {} },
          { "Idempotency-Key": "k-2" },
        );

        expect(spelledOut.status).toBe(202);
        expect(spelledOut.body.jobId).toBe(first.body.jobId);
        expect(await door.queuedJobIds()).toHaveLength(1);
      }),
    );

    it(
      "refuses the same Idempotency-Key for a different request with 422, queueing nothing more",
      withDoor(async (door) => {
        const first = await door.post({ source: door.source("a.mp4") }, { "Idempotency-Key": "k-3" });
        const other = await door.post({ source: door.source("b.mp4") }, { "Idempotency-Key": "k-3" });

        expect(other.status).toBe(422);
        expect(other.body.field).toBe("Idempotency-Key");
        expect(await door.queuedJobIds()).toEqual([first.body.jobId]);
      }),
    );

    it(
      "refuses an Idempotency-Key longer than 255 characters with 400",
      withDoor(async (door) => {
        const answer = await door.post(
          { source: door.source("a.mp4") },
          { "Idempotency-Key": "k".repeat(256) },
        );
        expect(answer.status).toBe(400);
        expect(answer.body.field).toBe("Idempotency-Key");
      }),
    );

    it(
      "queues exactly one job for concurrent duplicates; every 202 carries its id, the others are told to retry",
      withDoor(async (door) => {
        const body = { source: door.source("a.mp4") };
        const answers = await Promise.all(
          Array.from({ length: CONCURRENT_DUPLICATES }, () => door.post(body, { "Idempotency-Key": "k-4" })),
        );

        const queued = await door.queuedJobIds();
        expect(queued).toHaveLength(1);
        for (const answer of answers) {
          expect([202, 409]).toContain(answer.status);
          if (answer.status === 202) expect(answer.body.jobId).toBe(queued[0]);
          else expect(answer.header("retry-after")).toBe("1");
        }
        expect(answers.some((a) => a.status === 202)).toBe(true);
      }),
    );

    it(
      "announces Job Accepted only once the job's message is on its queue",
      withDoor(async (door) => {
        const answer = await door.post({ source: door.source("a.mp4") });

        const jobId = answer.body.jobId as string;
        expect(door.announcements()).toEqual([{ jobId, queuedThen: 1 }]);
      }),
    );

    it(
      "answers DELETE with 404 for an unknown job and 202 stopping for a queued or running one",
      withDoor(async (door) => {
        const unknown = await door.delete("no-such-job");
        expect(unknown.status).toBe(404);
        expect(unknown.body.field).toBe("jobId");

        const { body } = await door.post({ source: door.source("a.mp4") });
        const stopping = await door.delete(body.jobId as string);
        expect(stopping.status).toBe(202);
        expect(stopping.body).toEqual({ jobId: body.jobId, status: "stopping" });
      }),
    );

    it(
      "answers DELETE of a finished job with 200 and its final status (DELETE is idempotent)",
      withDoor(async (door) => {
        const { body } = await door.post({ source: door.source("a.mp4") });
        const jobId = body.jobId as string;
        await door.finish(jobId);

        const answer = await door.delete(jobId);
        expect(answer.status).toBe(200);
        expect(answer.body).toEqual({ jobId, status: "completed" });
      }),
    );
  });
}
