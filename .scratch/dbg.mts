import { analyzeSource } from "/work/main/core-service/src/pipeline/analyze.ts";
import { BLOCKINESS_MATRIX } from "/work/main/test/support/blockiness-matrix.ts";
import { makeClip } from "/work/main/test/support/test-media.ts";

for (const clip of BLOCKINESS_MATRIX.filter((c) => process.argv.slice(2).some((n) => c.name === n))) {
  const path = await makeClip(clip.spec);
  console.error("==", clip.name, path, JSON.stringify(clip.truths));
  const r = await analyzeSource(path, {
    allowLocalFiles: true,
    detectors: ["blockiness"],
    thresholds: { blockiness: { decoderErrors: false } },
  });
  console.error(JSON.stringify(r.defects.map((d) => [d.start, d.end, d.metrics])));
}
