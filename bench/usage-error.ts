/** A bench was called with arguments it does not take: main prints the message (no stack) and exits 2. */
export class BenchUsageError extends Error {
  override readonly name = "BenchUsageError";
}
