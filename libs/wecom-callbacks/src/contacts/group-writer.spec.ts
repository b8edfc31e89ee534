import { GroupWriter } from './group-writer';

/** A write the test finishes by hand: `release()` resolves the oldest write still running. */
function heldWrites(fail?: (items: number[]) => Error | null) {
  const groups: number[][] = [];
  const pending: (() => void)[] = [];
  const write = (items: number[]) =>
    new Promise<void>((resolve, reject) => {
      groups.push(items);
      pending.push(() => {
        const e = fail?.(items) ?? null;
        if (e) reject(e);
        else resolve();
      });
    });
  const release = async () => {
    pending.shift()?.();
    await new Promise((r) => setImmediate(r));
  };
  return { groups, write, release };
}

describe('GroupWriter', () => {
  it('writes what arrived while a write ran as one group, in the order handed over', async () => {
    const w = heldWrites();
    const writer = new GroupWriter<number>(w.write, 10);
    const done = [1, 2, 3, 4].map((n) => writer.submit(n));
    expect(w.groups).toEqual([[1]]);
    await w.release();
    expect(w.groups).toEqual([[1], [2, 3, 4]]);
    await w.release();
    await expect(Promise.all(done)).resolves.toEqual([undefined, undefined, undefined, undefined]);
  });

  it('takes at most maxItems a write', async () => {
    const w = heldWrites();
    const writer = new GroupWriter<number>(w.write, 2);
    const done = [1, 2, 3, 4, 5].map((n) => writer.submit(n));
    for (let i = 0; i < 4; i++) await w.release();
    expect(w.groups).toEqual([[1], [2, 3], [4, 5]]);
    await Promise.all(done);
  });

  it('a failed write fails its items, the waiting ones and every later submit; nothing is written after it', async () => {
    const boom = new Error('deadlock');
    const w = heldWrites((items) => (items.includes(2) ? boom : null));
    const writer = new GroupWriter<number>(w.write, 1);
    const [one, two, three] = [1, 2, 3].map((n) => writer.submit(n));
    const failed = Promise.allSettled([two, three]);
    await w.release();
    await expect(one).resolves.toBeUndefined();
    await w.release();
    expect(await failed).toEqual([
      { status: 'rejected', reason: boom },
      { status: 'rejected', reason: boom },
    ]);
    await expect(writer.submit(4)).rejects.toBe(boom);
    expect(w.groups).toEqual([[1], [2]]);
  });
});
