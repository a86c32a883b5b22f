import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { afterEach, describe, expect, it } from "vitest";
import { FileClaimStore } from "../../core-service/src/adapters/local/file-claim-store.ts";
import {
  claimKey,
  detailRef,
  needsClaimCheck,
  withSummaryRef,
} from "../../core-service/src/domain/claim-check.ts";
import { jobCompleted, MAX_INLINE_DETAIL_BYTES } from "../../core-service/src/domain/events.ts";
import { ClaimCheckError, followClaimCheck } from "../../core-service/src/ports/claim-store.ts";
import { aDefect, aReport } from "../support/avmon-events.ts";
import { scratchDir } from "../support/scratch-dirs.ts";

const removals: (() => void)[] = [];
afterEach(() => {
  for (const remove of removals.splice(0)) remove();
});

function store(): FileClaimStore {
  const { dir, remove } = scratchDir("avmon-claims-");
  removals.push(remove);
  return new FileClaimStore(dir);
}

const longReport = aReport(
  Array.from({ length: 2500 }, (_, i) => aDefect({ start: i * 10, end: i * 10 + 4 })),
);

async function claimChecked(claims: FileClaimStore) {
  const event = jobCompleted("job-1", longReport);
  const body = JSON.stringify(longReport);
  return withSummaryRef(event, detailRef(await claims.put(claimKey(event), body), body));
}

describe("claim checks", () => {
  it("are needed only by a Job Completed whose detail passes the inline limit", () => {
    expect(needsClaimCheck(jobCompleted("job-1", aReport()))).toBe(false);
    expect(JSON.stringify(jobCompleted("job-1", longReport).detail).length).toBeGreaterThan(
      MAX_INLINE_DETAIL_BYTES,
    );
    expect(needsClaimCheck(jobCompleted("job-1", longReport))).toBe(true);
  });

  it("are followed back to the full report", async () => {
    const claims = store();
    const resolved = await followClaimCheck(await claimChecked(claims), claims);

    expect(resolved["detail-type"] === "Job Completed" && resolved.detail.summary).toEqual(longReport);
  });

  it("refuse a stored report that is not the one the reference names", async () => {
    const claims = store();
    const event = await claimChecked(claims);
    const ref = "summaryRef" in event.detail ? event.detail.summaryRef : undefined;
    writeFileSync(fileURLToPath(ref?.uri ?? ""), JSON.stringify(aReport()));

    await expect(followClaimCheck(event, claims)).rejects.toThrow(ClaimCheckError);
  });

  it("refuse a reference that leads outside the claim store", async () => {
    const claims = store();
    const event = await claimChecked(claims);
    const forged = {
      ...event,
      detail: {
        ...event.detail,
        summaryRef: { uri: "file:///etc/passwd", bytes: 1, sha256: "0".repeat(64) },
      },
    };

    await expect(followClaimCheck(forged, claims)).rejects.toThrow(/cannot read the report/);
    await expect(claims.get("file:///etc/passwd")).rejects.toThrow(/outside the claim store/);
  });
});
