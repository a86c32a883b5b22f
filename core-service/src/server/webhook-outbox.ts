/**
 * One webhook subscription's pending deliveries, in order, one file each under its folder in the data folder,
 * so a restart resumes them instead of losing them. Written by hand rather than with a queue library: it is a
 * FIFO of files named by a sequence number, and the files (written atomically) are the whole state.
 */
import { mkdir, readdir, readFile, rename, rm } from "node:fs/promises";
import { join } from "node:path";
import writeFileAtomic from "write-file-atomic";
import { type AvmonEvent, parseAvmonEvent } from "../domain/events.ts";

export interface OutboxEntry {
  readonly seq: number;
  readonly event: AvmonEvent;
  /** Delivery attempts made so far (kept across restarts). */
  readonly attempts: number;
}

const SEQ_DIGITS = 12;

export class WebhookOutbox {
  readonly #dir: string;
  /** Sequence numbers of the pending entries, oldest first; their events stay on disk. */
  readonly #pending: number[];
  #nextSeq: number;

  private constructor(dir: string, pending: number[]) {
    this.#dir = dir;
    this.#pending = pending;
    this.#nextSeq = (pending.at(-1) ?? 0) + 1;
  }

  /** Opens (creating if need be) the outbox in `dir`, with whatever a previous run left pending. */
  static async open(dir: string): Promise<WebhookOutbox> {
    await mkdir(dir, { recursive: true });
    const pending = (await readdir(dir))
      .filter((name) => /^\d+\.json$/.test(name))
      .map((name) => Number.parseInt(name, 10))
      .sort((a, b) => a - b);
    return new WebhookOutbox(dir, pending);
  }

  get size(): number {
    return this.#pending.length;
  }

  async append(event: AvmonEvent): Promise<void> {
    const seq = this.#nextSeq++;
    await this.#write({ seq, event, attempts: 0 });
    this.#pending.push(seq);
  }

  /**
   * The oldest pending delivery, or undefined when there is none. An entry that cannot be read back as an event
   * (edited by hand, disk trouble) is renamed `<seq>.json.unreadable` beside the others and skipped, so it
   * cannot block the deliveries behind it; the error names it.
   */
  async head(): Promise<OutboxEntry | undefined> {
    const seq = this.#pending[0];
    if (seq === undefined) return undefined;
    const path = this.#path(seq);
    try {
      const stored = JSON.parse(await readFile(path, "utf8")) as { event: unknown; attempts: number };
      return { seq, event: parseAvmonEvent(stored.event), attempts: stored.attempts };
    } catch (error) {
      await rename(path, `${path}.unreadable`);
      this.#pending.shift();
      throw new Error(`webhook outbox entry ${path} is unreadable; set aside as ${path}.unreadable`, {
        cause: error,
      });
    }
  }

  async recordAttempt(entry: OutboxEntry): Promise<OutboxEntry> {
    const next = { ...entry, attempts: entry.attempts + 1 };
    await this.#write(next);
    return next;
  }

  async remove(entry: OutboxEntry): Promise<void> {
    await rm(this.#path(entry.seq), { force: true });
    const at = this.#pending.indexOf(entry.seq);
    if (at >= 0) this.#pending.splice(at, 1);
  }

  async #write(entry: OutboxEntry): Promise<void> {
    await writeFileAtomic(
      this.#path(entry.seq),
      JSON.stringify({ event: entry.event, attempts: entry.attempts }),
    );
  }

  #path(seq: number): string {
    return join(this.#dir, `${String(seq).padStart(SEQ_DIGITS, "0")}.json`);
  }
}
