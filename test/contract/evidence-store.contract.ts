import { describe, expect, it } from "vitest";
import { EVIDENCE_FORMATS, type EvidenceImage, evidenceKey } from "../../core-service/src/domain/evidence.ts";
import type { EvidenceStore } from "../../core-service/src/ports/evidence-store.ts";

export interface EvidenceStoreUnderTest {
  readonly store: EvidenceStore;
  /** What a reader gets for `key` (the evidence endpoint's file, a presigned URL). */
  read(key: string): Promise<Uint8Array>;
}

const JPEG: EvidenceImage = {
  format: EVIDENCE_FORMATS.picture,
  bytes: new Uint8Array([0xff, 0xd8, 0xff, 0xe0, 0, 16, 74, 70, 73, 70, 0xff, 0xd9]),
  at: 3.2,
};
const SVG: EvidenceImage = {
  format: EVIDENCE_FORMATS.sound,
  bytes: new TextEncoder().encode('<svg xmlns="http://www.w3.org/2000/svg" width="320" height="96"></svg>'),
  at: 15,
};

/** What the worker relies on from wherever evidence is kept. */
export function describeEvidenceStoreContract(
  name: string,
  create: () => Promise<EvidenceStoreUnderTest>,
): void {
  describe(`${name} as an evidence store`, () => {
    it("keeps a picture and a sound strip under their keys, byte for byte", async () => {
      const { store, read } = await create();
      const pictureKey = evidenceKey("job-1", "alert-a", JPEG.format);
      const stripKey = evidenceKey("job-1", "alert-b", SVG.format);

      await store.put(pictureKey, JPEG);
      await store.put(stripKey, SVG);

      expect(await read(pictureKey)).toEqual(JPEG.bytes);
      expect(await read(stripKey)).toEqual(SVG.bytes);
    });

    it("replaces the image a retried job makes again under the same key", async () => {
      const { store, read } = await create();
      const key = evidenceKey("job-2", "alert-a", JPEG.format);
      await store.put(key, { ...JPEG, bytes: new Uint8Array([1, 2, 3]) });

      await store.put(key, JPEG);

      expect(await read(key)).toEqual(JPEG.bytes);
    });
  });
}
