import { type Metrics, MetricUnit } from "@aws-lambda-powertools/metrics";
import { EventBridgeEventBus } from "../../core-service/src/adapters/aws/eventbridge-event-bus.ts";
import { S3ParkingLot } from "../../core-service/src/adapters/aws/s3-parking-lot.ts";
import { eventBridgeClient, s3Client } from "./aws-clients.ts";
import { METRIC } from "./metric-names.ts";

/**
 * The bus a publishing function uses: EventBridge, with the events it refuses for good counted
 * (`UndeliverableEvents`, alarmed) and parked in the ingest bucket's events/undeliverable/ for replay.
 */
export function lambdaEventBus(busName: string, ingestBucket: string, metrics: Metrics): EventBridgeEventBus {
  return new EventBridgeEventBus({
    client: eventBridgeClient(),
    busName,
    parking: new S3ParkingLot({ client: s3Client(), bucket: ingestBucket }),
    onUndeliverable: () => metrics.singleMetric().addMetric(METRIC.undeliverableEvents, MetricUnit.Count, 1),
  });
}
