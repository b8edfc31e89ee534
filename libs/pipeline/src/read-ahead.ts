/**
 * Iterates `source` while keeping up to `depth` of its next items requested ahead of the
 * consumer, so a slow producer (a database read) keeps working while the consumer handles
 * an item or waits for something else. An async generator runs its requests one after
 * the other, so the items still come in order. Memory is bounded by `depth` items.
 *
 * `settled()` resolves once no request is in flight any more: a caller that owns the
 * producer's resources (a connection, a transaction) awaits it before releasing them,
 * also when it stopped consuming early.
 */
export class ReadAhead<T> implements AsyncIterable<T> {
  private readonly requested: Promise<IteratorResult<T>>[] = [];

  constructor(
    private readonly source: AsyncIterator<T>,
    private readonly depth: number,
  ) {
    if (!Number.isInteger(depth) || depth < 1) throw new RangeError('depth must be ≥ 1');
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<T> {
    this.fill();
    for (;;) {
      const next = await (this.requested.shift() as Promise<IteratorResult<T>>);
      if (next.done) return;
      this.fill();
      yield next.value;
    }
  }

  async settled(): Promise<void> {
    await Promise.allSettled(this.requested);
  }

  private fill(): void {
    while (this.requested.length < this.depth) {
      const request = this.source.next();
      // Awaited in turn by the iterator; never an unhandled rejection if the consumer stops first.
      request.catch(() => undefined);
      this.requested.push(request);
    }
  }
}
