import { analyzeSource } from "/work/main/core-service/src/pipeline/analyze.ts";
import { BLOCKINESS_MATRIX } from "/work/main/test/support/blockiness-matrix.ts";
import { makeClip } from "/work/main/test/support/test-media.ts";

for (const clip of BLOCKINESS_MATRIX) {
  const path = await makeClip(clip.spec);
  console.error("==", clip.name, JSON.stringify(clip.truths.map((t) => [t.start, t.end])), clip.visible);
  const r = await analyzeSource(path, {
    allowLocalFiles: true,
    detectors: ["blockiness"],
    thresholds: { blockiness: { decoderErrors: false } },
  });
  console.error("DEF", JSON.stringify(r.defects.map((d) => [d.start, d.end])));
}
