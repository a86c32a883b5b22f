export type { EventPattern } from "./compiled-pattern.ts";
export { InvalidEventPatternError } from "./errors.ts";
export { describeInvalidEnvelope, EventEnvelope } from "./event-envelope.ts";
export { matchesEventPattern } from "./match-pattern.ts";
export { compileEventPattern } from "./parse-pattern.ts";
