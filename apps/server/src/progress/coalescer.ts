import type { JobEvent } from '@euca2nova/model';

export interface CoalescerOptions {
  /** Shortest time between two emissions. */
  intervalMs: number;
  emit: (events: JobEvent[]) => void;
  now?: () => number;
}

/**
 * Paces one job's events to one client: at most one emission per interval. Within a window the
 * `bytes-progress` events of one item collapse to the latest (only the newest figure matters);
 * every other event is kept. The kept ones stay in seq order because a collapsed event is moved to
 * where its newest figure arrived, not left where the first one was.
 */
export class EventCoalescer {
  readonly #options: CoalescerOptions;
  readonly #now: () => number;
  /** In seq order; a bytes-progress superseded within the window leaves a hole (undefined). */
  #pending: (JobEvent | undefined)[] = [];
  /**
   * Where each item's pending bytes-progress is in `#pending`: a newer one empties that slot in
   * one step. (Filtering the whole window per bytes event cost O(window) each, and a window holds
   * thousands of item events while a row phase commits.)
   */
  #bytesAt = new Map<string, number>();
  #holes = 0;
  #lastEmit = Number.NEGATIVE_INFINITY;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;

  constructor(options: CoalescerOptions) {
    this.#options = options;
    this.#now = options.now ?? Date.now;
  }

  push(events: readonly JobEvent[]): void {
    if (this.#closed || events.length === 0) return;
    for (const e of events) {
      if (e.type === 'bytes-progress') {
        const key = `${e.kind}\u0000${e.sourceId}`;
        const before = this.#bytesAt.get(key);
        if (before !== undefined) {
          this.#pending[before] = undefined;
          this.#holes++;
        }
        this.#bytesAt.set(key, this.#pending.length);
      }
      this.#pending.push(e);
    }
    this.#schedule();
  }

  /** Emits what is pending now, whatever the pace (e.g. to finish a replay before its ack). */
  flush(): void {
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    if (this.#closed || this.#pending.length === 0) return;
    const pending = this.#pending;
    const batch =
      this.#holes === 0
        ? (pending as JobEvent[])
        : pending.filter((e): e is JobEvent => e !== undefined);
    this.#pending = [];
    this.#bytesAt.clear();
    this.#holes = 0;
    this.#lastEmit = this.#now();
    this.#options.emit(batch);
  }

  close(): void {
    this.#closed = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    this.#pending = [];
    this.#bytesAt.clear();
    this.#holes = 0;
  }

  #schedule(): void {
    if (this.#timer !== undefined) return;
    const wait = this.#lastEmit + this.#options.intervalMs - this.#now();
    if (wait <= 0) {
      this.flush();
      return;
    }
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      this.flush();
    }, wait);
  }
}
