/** Cuts a byte stream into fixed-size records (raw video frames, PCM sample frames) without losing a byte. */
export class FixedSizeReader {
  private pending: Uint8Array;
  private filled = 0;

  constructor(private readonly recordBytes: number) {
    this.pending = new Uint8Array(recordBytes);
  }

  /** Calls `emit` with each complete record, in its own buffer (detectors may keep a frame). */
  push(chunk: Uint8Array, emit: (record: Uint8Array) => void): void {
    let offset = 0;
    while (offset < chunk.length) {
      const take = Math.min(this.recordBytes - this.filled, chunk.length - offset);
      this.pending.set(chunk.subarray(offset, offset + take), this.filled);
      this.filled += take;
      offset += take;
      if (this.filled === this.recordBytes) {
        emit(this.pending);
        this.pending = new Uint8Array(this.recordBytes);
        this.filled = 0;
      }
    }
  }
}

/**
 * Cuts interleaved float PCM into whole sample frames. Chunks keep their natural size (no copy into fixed
 * windows); only the few bytes of a split sample frame are carried over.
 */
export class PcmReader {
  private carry = new Uint8Array(0);

  constructor(private readonly frameBytes: number) {}

  push(chunk: Uint8Array): Float32Array | undefined {
    const joined = this.carry.length ? concat(this.carry, chunk) : chunk;
    const usable = joined.length - (joined.length % this.frameBytes);
    this.carry = joined.slice(usable);
    if (usable === 0) return undefined;
    // A copy gives the Float32Array its own aligned buffer.
    return new Float32Array(joined.slice(0, usable).buffer);
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}
