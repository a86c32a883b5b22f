import type { DefectDetectedEvent } from "../../core-service/src/domain/events.ts";

/** The words people read in the e-mail, SMS or chat message. */
export function alertText(event: DefectDetectedEvent): { subject: string; body: string } {
  const { jobId, defect, alertId } = event.detail;
  const where = defect.startedAt ? `at ${defect.startedAt}` : `at ${defect.start.toFixed(1)} s`;
  const subject = `avmon ${defect.severity}: ${defect.type} in job ${jobId}`.slice(0, 99);
  const body = [
    `${capitalise(defect.severity)} ${defect.type} detected ${where} (confidence ${Math.round(defect.confidence * 100)} %).`,
    `Job: ${jobId}`,
    `Alert: ${alertId}`,
  ].join("\n");
  return { subject, body };
}

const capitalise = (word: string) => word.charAt(0).toUpperCase() + word.slice(1);
