/** One submitted item and how to settle its caller. */
export interface Pending<T> {
  item: T;
  resolve: () => void;
  reject: (err: unknown) => void;
}

/**
 * Group commit for one operation: whatever is submitted while a flush runs is handed to the
 * next flush, which starts as soon as the previous one returned (no timer: an idle process
 * writes at once, a loaded one writes big batches). One flush runs at a time.
 *
 * `flush` settles every entry it is given (see `settleAll` for the all-or-nothing case); a
 * flush that throws rejects whatever it left unsettled.
 */
export class Batcher<T> {
  private queue: Pending<T>[] = [];
  private flushing = false;

  constructor(
    private readonly flush: (entries: Pending<T>[]) => Promise<void>,
    /** Most items one flush takes, counted by `size`; the rest go to the next flush. */
    private readonly maxSize = 1000,
    private readonly size: (item: T) => number = () => 1,
  ) {}

  submit(item: T): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ item, resolve, reject });
      if (!this.flushing) void this.loop();
    });
  }

  /** Items waiting for a flush. */
  get queued(): number {
    return this.queue.length;
  }

  private async loop(): Promise<void> {
    this.flushing = true;
    try {
      while (this.queue.length > 0) {
        let n = 0;
        let size = 0;
        while (n < this.queue.length && (n === 0 || size < this.maxSize)) {
          size += this.size(this.queue[n].item);
          n++;
        }
        const entries = this.queue.splice(0, n);
        // Settling twice is harmless: a promise keeps its first outcome.
        await this.flush(entries).catch((err: unknown) => entries.forEach((e) => e.reject(err)));
      }
    } finally {
      this.flushing = false;
    }
  }
}

/** A flush whose one write succeeds or fails for all its entries. */
export function settleAll<T>(write: (items: T[]) => Promise<void>) {
  return async (entries: Pending<T>[]): Promise<void> => {
    await write(entries.map((e) => e.item));
    entries.forEach((e) => e.resolve());
  };
}
