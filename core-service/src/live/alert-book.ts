/**
 * The open alerts of one live job: gives each defect an `alertId` shared by its open and close (derived from the
 * job and the defect, as for files, so a duplicated or redelivered run names the same defect alike), and carries
 * open defects over from a previous worker. A resumed defect that the new worker's detector opens again is the
 * same alert: its open is not re-announced, and its close keeps the original onset and `alertId`. One that is
 * not seen again within a grace period (or, for a stall, as soon as media flows) ended while nobody watched and
 * is closed where watching resumed.
 *
 * Each detector reports one defect type and has at most one open defect, so open alerts are keyed by type.
 */
import type { DetectorEvent } from "../detectors/types.ts";
import type { Defect, DefectType } from "../domain/defect.ts";
import type { LiveDetectorEvent, ResumedDefect } from "./types.ts";

interface OpenAlert {
  readonly alertId: string;
  readonly defect: Defect;
}

export class AlertBook {
  private readonly open = new Map<DefectType, OpenAlert>();
  /** Carried over from the previous worker and not yet confirmed by a detector. */
  private readonly unconfirmed = new Map<DefectType, OpenAlert>();
  opened = 0;
  closed = 0;

  constructor(
    private readonly alertIdOf: (defect: Defect) => string,
    resumed: readonly ResumedDefect[] = [],
  ) {
    for (const { alertId, defect } of resumed) this.unconfirmed.set(defect.type, { alertId, defect });
  }

  /** Gives detector events their alert ids; drops the re-opening of a resumed defect. */
  record(event: DetectorEvent): LiveDetectorEvent[] {
    const type = event.defect.type;
    if (event.kind === "open") {
      const resumed = this.unconfirmed.get(type);
      this.unconfirmed.delete(type);
      if (resumed) {
        this.open.set(type, resumed);
        return [];
      }
      const alert = { alertId: this.alertIdOf(event.defect), defect: event.defect };
      this.open.set(type, alert);
      this.opened++;
      return [{ ...event, alertId: alert.alertId }];
    }
    const alert = this.open.get(type) ?? this.unconfirmed.get(type);
    this.open.delete(type);
    this.unconfirmed.delete(type);
    this.closed++;
    if (!alert) return [{ ...event, alertId: this.alertIdOf(event.defect) }];
    const defect = { ...event.defect, start: alert.defect.start, startedAt: alert.defect.startedAt };
    return [{ kind: "close", defect, alertId: alert.alertId }];
  }

  /** Closes resumed defects of `types` that nobody re-opened, at `end` (stream) / `endedAt` (wall clock). */
  expireResumed(types: (type: DefectType) => boolean, end: number, endedAt: string): LiveDetectorEvent[] {
    const events: LiveDetectorEvent[] = [];
    for (const [type, alert] of this.unconfirmed) {
      if (!types(type)) continue;
      this.unconfirmed.delete(type);
      this.closed++;
      const defect = { ...alert.defect, end: Math.max(end, alert.defect.start), endedAt };
      events.push({ kind: "close", defect, alertId: alert.alertId });
    }
    return events;
  }

  /** Ends the job: closes every open alert at `end`. */
  closeAll(end: number, endedAt: string): LiveDetectorEvent[] {
    const events = this.expireResumed(() => true, end, endedAt);
    for (const [type, alert] of this.open) {
      this.open.delete(type);
      this.closed++;
      const defect = { ...alert.defect, end: Math.max(end, alert.defect.start), endedAt };
      events.push({ kind: "close", defect, alertId: alert.alertId });
    }
    return events;
  }

  hasUnconfirmed(): boolean {
    return this.unconfirmed.size > 0;
  }

  /** Every defect still open, confirmed or not, with its alert id: what the next worker needs. */
  openAlerts(): ResumedDefect[] {
    return [...this.open.values(), ...this.unconfirmed.values()].map(({ alertId, defect }) => ({
      alertId,
      defect,
    }));
  }
}
