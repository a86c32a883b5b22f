import type { ParkedEvent } from "../domain/parked-event.ts";

export interface ParkedEntry {
  /** `parkingKey(parked)`: what `remove` takes. */
  readonly key: string;
  readonly parked: ParkedEvent;
}

/**
 * Where undeliverable events are kept until someone replays them: an S3 prefix on AWS, the data folder
 * locally. Nothing is parked only in a log.
 */
export interface ParkingLot {
  /** Resolves once the record is stored; rejects when it cannot be. */
  park(parked: ParkedEvent): Promise<void>;
  /** Every parked record, oldest first. A record that is not a valid ParkedEvent is an error naming it. */
  list(): Promise<ParkedEntry[]>;
  remove(key: string): Promise<void>;
}
