import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { DirectoryParkingLot } from "../../core-service/src/adapters/local/directory-parking-lot.ts";
import { FileClaimStore } from "../../core-service/src/adapters/local/file-claim-store.ts";

/** A fresh folder under the OS temp folder, and a function that removes it. */
export function scratchDir(prefix = "avmon-test-"): { dir: string; remove: () => void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** A real parking lot in a temp folder, for suites that need one wired in but do not look at it. */
export function scratchParkingLot(): DirectoryParkingLot {
  return new DirectoryParkingLot(
    join(tmpdir(), `avmon-parking-${process.pid}-${Math.random().toString(36).slice(2)}`),
  );
}

/** A real claim store in a temp folder (created only when something is stored). */
export function scratchClaimStore(): FileClaimStore {
  return new FileClaimStore(
    join(tmpdir(), `avmon-claims-${process.pid}-${Math.random().toString(36).slice(2)}`),
  );
}
