import { ReadAhead } from './read-ahead';

/** A source whose items are released by the test, counting how many were started. */
function gatedSource(n: number, failAt?: number) {
  const gates: (() => void)[] = [];
  let started = 0;
  async function* items(): AsyncGenerator<number> {
    for (let i = 1; i <= n; i++) {
      started++;
      await new Promise<void>((release) => gates.push(release));
      if (i === failAt) throw new Error(`item ${i} failed`);
      yield i;
    }
  }
  return {
    items: items(),
    started: () => started,
    /** Releases the oldest waiting item once its request reached the source. */
    release: async () => {
      while (gates.length === 0) await Promise.resolve();
      (gates.shift() as () => void)();
    },
  };
}

describe('ReadAhead', () => {
  it('yields every item in order', async () => {
    async function* three() {
      yield* [1, 2, 3];
    }
    const seen: number[] = [];
    for await (const x of new ReadAhead(three(), 2)) seen.push(x);
    expect(seen).toEqual([1, 2, 3]);
  });

  it('reads ahead while the consumer is busy, never more than depth items', async () => {
    const src = gatedSource(10);
    const it = new ReadAhead(src.items, 3)[Symbol.asyncIterator]();
    const first = it.next();
    await src.release();
    expect((await first).value).toBe(1);
    // The consumer holds item 1; items 2..4 were requested, none beyond.
    for (let i = 0; i < 3; i++) await src.release();
    expect(src.started()).toBe(4);
    await Promise.resolve();
    expect(src.started()).toBe(4);
    expect((await it.next()).value).toBe(2);
  });

  it('passes a failure of the source on, after the items before it', async () => {
    const src = gatedSource(5, 2);
    const reading = new ReadAhead(src.items, 2);
    const seen: number[] = [];
    const consumed = (async () => {
      for await (const x of reading) seen.push(x);
    })();
    await src.release();
    await src.release();
    await expect(consumed).rejects.toThrow('item 2 failed');
    expect(seen).toEqual([1]);
  });

  it('settled() waits for requests still in flight when the consumer stopped early', async () => {
    const src = gatedSource(5);
    const reading = new ReadAhead(src.items, 2);
    const first = reading[Symbol.asyncIterator]().next();
    await src.release();
    await first;
    let settled = false;
    const done = reading.settled().then(() => (settled = true));
    await Promise.resolve();
    expect(settled).toBe(false);
    await src.release();
    await src.release();
    await done;
    expect(settled).toBe(true);
  });

  it.each([0, -1, 1.5])('refuses depth %p', (depth) => {
    expect(() => new ReadAhead((async function* () {})(), depth)).toThrow(RangeError);
  });
});
