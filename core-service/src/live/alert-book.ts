/**
 * The open alerts of one live job: gives each defect an `alertId` shared by its open and close (derived from the
 * job and the defect, as for files, so a duplicated or redelivered run names the same defect alike), and carries
 * open defects over from a previous worker. A resumed defect that the new worker's detector opens again is the
 * same alert: its open is not re-announced, and its close keeps the original onset and `alertId`. One that is
 * not seen again within a grace period (or, for a stall, as soon as media flows) ended while nobody watched and
 * is closed where watching resumed.
 *
 * A detector has at most one open defect of each kind (`defectKind`: the type, and a loudness defect's measure),
 * so open alerts are keyed by kind.
 */
import type { DetectorEvent } from "../detectors/types.ts";
import { type Defect, type DefectType, defectKind } from "../domain/defect.ts";
import type { LiveDetectorEvent, ResumedDefect } from "./types.ts";

interface OpenAlert {
  readonly alertId: string;
  readonly defect: Defect;
}

export class AlertBook {
  private readonly open = new Map<string, OpenAlert>();
  /** Carried over from the previous worker and not yet confirmed by a detector. */
  private readonly unconfirmed = new Map<string, OpenAlert>();
  opened = 0;
  closed = 0;

  constructor(
    private readonly alertIdOf: (defect: Defect) => string,
    resumed: readonly ResumedDefect[] = [],
  ) {
    for (const { alertId, defect } of resumed) this.unconfirmed.set(defectKind(defect), { alertId, defect });
  }

  /** Gives detector events their alert ids; drops the re-opening of a resumed defect. */
  record(event: DetectorEvent): LiveDetectorEvent[] {
    const kind = defectKind(event.defect);
    if (event.kind === "open") {
      const resumed = this.unconfirmed.get(kind);
      this.unconfirmed.delete(kind);
      if (resumed) {
        this.open.set(kind, resumed);
        return [];
      }
      const alert = { alertId: this.alertIdOf(event.defect), defect: event.defect };
      this.open.set(kind, alert);
      this.opened++;
      return [{ ...event, alertId: alert.alertId }];
    }
    const alert = this.open.get(kind) ?? this.unconfirmed.get(kind);
    this.open.delete(kind);
    this.unconfirmed.delete(kind);
    this.closed++;
    if (!alert) return [{ ...event, alertId: this.alertIdOf(event.defect) }];
    const defect = { ...event.defect, start: alert.defect.start, startedAt: alert.defect.startedAt };
    return [{ kind: "close", defect, alertId: alert.alertId }];
  }

  /** Closes resumed defects of `types` that nobody re-opened, at `end` (stream) / `endedAt` (wall clock). */
  expireResumed(types: (type: DefectType) => boolean, end: number, endedAt: string): LiveDetectorEvent[] {
    const events: LiveDetectorEvent[] = [];
    for (const [kind, alert] of this.unconfirmed) {
      if (!types(alert.defect.type)) continue;
      this.unconfirmed.delete(kind);
      this.closed++;
      const defect = { ...alert.defect, end: Math.max(end, alert.defect.start), endedAt };
      events.push({ kind: "close", defect, alertId: alert.alertId });
    }
    return events;
  }

  /** Ends the job: closes every open alert at `end`. */
  closeAll(end: number, endedAt: string): LiveDetectorEvent[] {
    const events = this.expireResumed(() => true, end, endedAt);
    for (const [kind, alert] of this.open) {
      this.open.delete(kind);
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
