import type { DetectorName } from "../../core-service/src/domain/defect.ts";
import type { QueueMessage } from "../../core-service/src/domain/job.ts";
import type { LiveDetectorEvent } from "../../core-service/src/live/types.ts";
import { silentLogger } from "../../core-service/src/logging/logger.ts";
import { liveMediaAnalyzer } from "../../core-service/src/worker/live-analyzer.ts";

/** One run of a live job with the real live engine, as the worker starts it, recording its events until stopped. */
export function runLiveJob(message: QueueMessage, detectors: readonly DetectorName[]) {
  const events: LiveDetectorEvent[] = [];
  const controller = new AbortController();
  const done = liveMediaAnalyzer()(message, {
    detectors,
    signal: controller.signal,
    maxDuration: 60,
    stallAfter: 5,
    reconnect: {},
    profile: message.live?.profile ?? "full",
    resumeState: undefined,
    onDetectorEvent: async (event) => {
      events.push(event);
    },
    onStats: () => {},
    logger: silentLogger,
  });
  return { events, stop: () => controller.abort(), done };
}
