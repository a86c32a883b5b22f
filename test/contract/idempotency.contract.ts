import { describe, expect, it } from "vitest";
import type { Idempotency } from "../../core-service/src/ports/idempotency.ts";

/** A fresh, empty idempotency store per call. */
export type IdempotencyFactory = () => Promise<Idempotency>;

/** The rules both adapters keep (memory locally, Powertools on DynamoDB on AWS). */
export function idempotencyContract(name: string, open: IdempotencyFactory): void {
  describe(`idempotency contract: ${name}`, () => {
    it("runs the work once and answers its result to every later call with the same key and request", async () => {
      const store = await open();
      let runs = 0;
      const work = async () => `job-${++runs}`;

      expect(await store.run("k", "f", work)).toEqual({ kind: "done", result: "job-1" });
      expect(await store.run("k", "f", work)).toEqual({ kind: "done", result: "job-1" });
      expect(runs).toBe(1);
    });

    it("tells a call to retry while another call with its key is still working, without running the work", async () => {
      const store = await open();
      let finish: (id: string) => void = () => {};
      const first = store.run("k", "f", () => new Promise((resolve) => (finish = resolve)));
      let secondRan = false;
      await new Promise((resolve) => setTimeout(resolve, 50));

      const second = await store.run("k", "f", async () => {
        secondRan = true;
        return "job-2";
      });
      finish("job-1");

      expect(second).toEqual({ kind: "in-progress" });
      expect(secondRan).toBe(false);
      expect(await first).toEqual({ kind: "done", result: "job-1" });
    });

    it("refuses a key used for another request, finished or not", async () => {
      const store = await open();
      await store.run("k", "f", async () => "job-1");
      expect(await store.run("k", "g", async () => "job-2")).toEqual({ kind: "key-reused" });
    });

    it("forgets a claim whose work failed, so the next call runs the work afresh", async () => {
      const store = await open();
      await expect(
        store.run("k", "f", async () => {
          throw new Error("queue down");
        }),
      ).rejects.toThrow("queue down");
      expect(await store.run("k", "f", async () => "job-2")).toEqual({ kind: "done", result: "job-2" });
    });

    it("keeps keys apart", async () => {
      const store = await open();
      await store.run("a", "f", async () => "job-a");
      expect(await store.run("b", "f", async () => "job-b")).toEqual({ kind: "done", result: "job-b" });
    });
  });
}
