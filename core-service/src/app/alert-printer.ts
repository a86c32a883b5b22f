import type { AvmonEvent } from "../domain/events.ts";
import { mediaTime } from "../domain/media-time.ts";
import type { SubscribableEventBus } from "../ports/event-bus.ts";

/** The demo's console output: one readable line per alert and per finished job. */
export function printAlerts(bus: SubscribableEventBus, write: (line: string) => void): () => void {
  const pattern = { "detail-type": ["Defect Detected", "Defect Cleared", "Job Completed", "Job Failed"] };
  return bus.subscribe(pattern, (event) => {
    const line = alertLine(event);
    if (line) write(`${line}\n`);
  });
}

export function alertLine(event: AvmonEvent): string | undefined {
  const job = `(job ${event.detail.jobId})`;
  switch (event["detail-type"]) {
    case "Defect Detected": {
      const { type, start, severity } = event.detail.defect;
      return `ALERT   ${type} ${mediaTime(start)}–…  ${severity} ${job}`;
    }
    case "Defect Cleared": {
      const { type, start, end, severity } = event.detail.defect;
      return `CLEARED ${type} ${mediaTime(start)}–${mediaTime(end)} ${severity} ${job}`;
    }
    case "Job Completed": {
      const ended = event.detail.reason === "stopped" ? "stopped" : "completed";
      if (!("summary" in event.detail))
        return `JOB ${ended}: report at ${event.detail.summaryRef.uri} ${job}`;
      const { summary } = event.detail;
      return `JOB ${ended}: ${summary.defects.length} defect(s) in ${mediaTime(summary.media.duration)} of media ${job}`;
    }
    case "Job Failed":
      return `JOB failed: ${event.detail.error.code} ${event.detail.error.message} ${job}`;
    default:
      return undefined;
  }
}
