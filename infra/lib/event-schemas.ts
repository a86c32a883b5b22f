import { z } from "zod";
import { DETAIL_TYPES, EVENT_SCHEMAS } from "../../core-service/src/domain/events.ts";

/**
 * The event contract as the EventBridge schema registry takes it (JSON Schema draft 4), generated from the
 * same zod schemas the publishers validate with, so the registry cannot drift from the code.
 */
export function registrySchemas(): Record<string, object> {
  const out: Record<string, object> = {};
  for (const detailType of DETAIL_TYPES) {
    out[detailType] = z.toJSONSchema(EVENT_SCHEMAS[detailType], { io: "input", target: "draft-04" });
  }
  return out;
}
