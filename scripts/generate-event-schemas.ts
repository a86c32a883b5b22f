/**
 * Writes one JSON Schema per event detail-type to core-service/schemas/, from the zod schemas in
 * domain/events.ts. Run after changing an event: `npx tsx scripts/generate-event-schemas.ts`.
 * test/unit/event-schemas.test.ts fails while the committed files are stale.
 */
import { mkdir, writeFile } from "node:fs/promises";
import { fileURLToPath } from "node:url";
import { eventJsonSchemas } from "../core-service/src/domain/events.ts";

const schemasDir = fileURLToPath(new URL("../core-service/schemas/", import.meta.url));

await mkdir(schemasDir, { recursive: true });
for (const [fileName, schema] of Object.entries(eventJsonSchemas())) {
  await writeFile(`${schemasDir}${fileName}`, `${JSON.stringify(schema, null, 2)}\n`);
  process.stdout.write(`wrote core-service/schemas/${fileName}\n`);
}
