/**
 * `avmon replay-events [--dry-run]`: re-sends the events kept because their target refused them. With
 * AVMON_INGEST_BUCKET set it works on AWS (the bucket's events/undeliverable/, re-sent to EventBridge); without,
 * on the local stack's data folder (undeliverable/, re-sent to the webhooks). Exit 0 when nothing is left parked.
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { DirectoryParkingLot } from "../adapters/local/directory-parking-lot.ts";
import { localGuard } from "../app/local-guard.ts";
import { replayParkedEvents } from "../app/replay-events.ts";
import { parseConfig } from "../config.ts";
import { createLogger } from "../logging/logger.ts";
import type { EventBus } from "../ports/event-bus.ts";
import type { ParkingLot } from "../ports/parking-lot.ts";
import type { CliIo } from "./io.ts";

export async function replayEventsCommand(argv: readonly string[], io: CliIo): Promise<number> {
  const { values } = parseArgs({
    args: [...argv],
    options: { "dry-run": { type: "boolean" } },
    strict: true,
  });
  const config = parseConfig();
  const logger = createLogger({ level: config.logLevel });
  const aws = config.ingestBucket
    ? await awsReplayTargets(config.ingestBucket, config.awsRegion, logger)
    : undefined;
  const parking = aws?.parking ?? new DirectoryParkingLot(join(config.dataDir, "undeliverable"));
  const result = await replayParkedEvents({
    parking,
    eventBridge: (busName, watching) => {
      if (!aws)
        throw new Error(
          `a parked event names EventBridge bus ${busName}: set AVMON_INGEST_BUCKET and AWS credentials`,
        );
      return aws.eventBridge(busName, watching);
    },
    // The same guard as the stack's live webhook deliveries (AVMON_ALLOW_PRIVATE_SOURCES).
    webhooks: { guard: localGuard(config) },
    dryRun: values["dry-run"] === true,
    write: io.stdout,
  });
  if (values["dry-run"]) {
    io.stdout(`${result.stillParked} event(s) parked\n`);
    return 0;
  }
  io.stdout(`${result.replayed} replayed, ${result.stillParked} still parked\n`);
  return result.stillParked === 0 ? 0 : 1;
}

/** Loaded only when replaying on AWS: the local replay does not need the SDK. */
async function awsReplayTargets(
  bucket: string,
  region: string | undefined,
  logger: ReturnType<typeof createLogger>,
) {
  const { createAwsClients } = await import("../adapters/aws/aws-clients.ts");
  const { EventBridgeEventBus } = await import("../adapters/aws/eventbridge-event-bus.ts");
  const { S3ClaimStore } = await import("../adapters/aws/s3-claim-store.ts");
  const { S3ParkingLot } = await import("../adapters/aws/s3-parking-lot.ts");
  const { ClaimCheckEventBus } = await import("../worker/claim-check-bus.ts");
  const clients = createAwsClients({ region });
  const claims = new S3ClaimStore({ client: clients.s3, bucket });
  return {
    parking: new S3ParkingLot({ client: clients.s3, bucket }),
    eventBridge: (busName: string, parking: ParkingLot): EventBus =>
      new ClaimCheckEventBus(
        new EventBridgeEventBus({ client: clients.eventBridge, busName, parking, logger }),
        claims,
      ),
  };
}
