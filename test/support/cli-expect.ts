import { expect } from "vitest";
import { errorOutputProblem } from "./run-cli.ts";

/** One line of error naming `pattern`, no stack trace. */
export function expectOneLineError(stderr: string, pattern: RegExp): void {
  expect(errorOutputProblem(stderr), stderr).toBeUndefined();
  expect(stderr.trim()).toMatch(pattern);
}
