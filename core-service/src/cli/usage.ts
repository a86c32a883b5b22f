/** How each command is called; shown by `avmon help` and in usage errors. */
export const ANALYZE_USAGE =
  "avmon analyze <path|url> [--json] [--detectors black,freeze,...] [--config thresholds.json] [--evidence DIR]";

export const TEST_EVENT_PATTERN_USAGE = "avmon test-event-pattern --event-pattern '<json>' --event '<json>'";
