import { type Duration, Names } from "aws-cdk-lib";
import { EventBus } from "aws-cdk-lib/aws-events";
import { CfnRegistry, CfnSchema } from "aws-cdk-lib/aws-eventschemas";
import { Construct } from "constructs";
import { EVENT_SOURCE } from "../../../core-service/src/domain/events.ts";

export interface EventMeshProps {
  readonly busName: string;
  readonly archiveRetention: Duration;
  /** JSON Schema (draft 4) of each detail-type's envelope, keyed by detail-type. */
  readonly schemas: Readonly<Record<string, object>>;
}

/**
 * The `avmon` bus every subscriber attaches to, an archive of everything avmon published (so a subscriber
 * that was down can replay), and a schema registry holding the contract subscribers code against.
 */
export class EventMesh extends Construct {
  readonly bus: EventBus;
  readonly registryName: string;

  constructor(scope: Construct, id: string, props: EventMeshProps) {
    super(scope, id);
    this.bus = new EventBus(this, "Bus", { eventBusName: props.busName });
    this.bus.archive("Archive", {
      description: "Every avmon event, for replay to subscribers",
      eventPattern: { source: [EVENT_SOURCE] },
      retention: props.archiveRetention,
    });
    this.registryName = `${props.busName}-${Names.uniqueId(this).slice(-8).toLowerCase()}`;
    const registry = new CfnRegistry(this, "SchemaRegistry", {
      registryName: this.registryName,
      description: "JSON Schemas of the events on the avmon bus",
    });
    for (const [detailType, schema] of Object.entries(props.schemas)) {
      new CfnSchema(this, `Schema${detailType.replace(/\W/g, "")}`, {
        // Referencing the registry's attribute orders creation after the registry.
        registryName: registry.attrRegistryName,
        schemaName: `${EVENT_SOURCE}@${detailType.replace(/\s/g, "")}`,
        type: "JSONSchemaDraft4",
        content: JSON.stringify(schema),
        description: `detail-type "${detailType}" from source "${EVENT_SOURCE}"`,
      });
    }
  }
}
