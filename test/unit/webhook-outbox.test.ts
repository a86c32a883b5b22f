import { readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { jobStarted } from "../../core-service/src/domain/events.ts";
import { WebhookOutbox } from "../../core-service/src/server/webhook-outbox.ts";
import { scratchDir } from "../support/scratch-dirs.ts";

const removals: (() => void)[] = [];
afterEach(() => {
  for (const remove of removals.splice(0)) remove();
});

function folder(): string {
  const { dir, remove } = scratchDir("avmon-outbox-");
  removals.push(remove);
  return join(dir, "outbox");
}

describe("webhook outbox", () => {
  it("hands deliveries back oldest first, and forgets one once removed", async () => {
    const outbox = await WebhookOutbox.open(folder());
    const first = jobStarted("job-1", { attempt: 1 });
    const second = jobStarted("job-2", { attempt: 1 });

    await outbox.append(first);
    await outbox.append(second);
    const head = await outbox.head();
    await outbox.remove(head as NonNullable<typeof head>);

    expect(head?.event).toEqual(first);
    expect((await outbox.head())?.event).toEqual(second);
    expect(outbox.size).toBe(1);
  });

  it("reopens with what a previous run left pending, attempts included, and appends after it", async () => {
    const dir = folder();
    const before = await WebhookOutbox.open(dir);
    await before.append(jobStarted("job-1", { attempt: 1 }));
    await before.recordAttempt((await before.head()) as NonNullable<Awaited<ReturnType<typeof before.head>>>);

    const after = await WebhookOutbox.open(dir);
    await after.append(jobStarted("job-2", { attempt: 1 }));

    expect(await after.head()).toMatchObject({ event: { detail: { jobId: "job-1" } }, attempts: 1 });
    expect(after.size).toBe(2);
    expect(readdirSync(dir).sort()).toEqual(["000000000001.json", "000000000002.json"]);
  });

  it("sets an unreadable entry aside, naming it, so the deliveries behind it go on", async () => {
    const dir = folder();
    const outbox = await WebhookOutbox.open(dir);
    await outbox.append(jobStarted("job-1", { attempt: 1 }));
    await outbox.append(jobStarted("job-2", { attempt: 1 }));
    writeFileSync(join(dir, "000000000001.json"), "{ not json");

    await expect(outbox.head()).rejects.toThrow(/000000000001\.json is unreadable; set aside/);

    expect((await outbox.head())?.event.detail.jobId).toBe("job-2");
    expect(readdirSync(dir)).toContain("000000000001.json.unreadable");
  });
});
