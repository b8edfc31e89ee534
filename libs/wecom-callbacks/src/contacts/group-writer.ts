/**
 * One writer for items that many producers hand over: every item waiting when a write starts
 * goes into it (up to `maxItems`, in the order handed over), so the writes' fixed cost (a
 * transaction's statements and COMMIT) is shared by however many items arrived meanwhile.
 * `submit` resolves when its item's write succeeded. The first failed write fails its items,
 * every item waiting and every later `submit` with its error: the items' order matters (a
 * chunk's pages move its cursor on), so nothing is written past a failure.
 */
export class GroupWriter<T> {
  private readonly waiting: {
    item: T;
    resolve: () => void;
    reject: (e: unknown) => void;
  }[] = [];
  private busy = false;
  private failure: { error: unknown } | null = null;

  constructor(
    private readonly write: (items: T[]) => Promise<void>,
    private readonly maxItems: number,
  ) {}

  submit(item: T): Promise<void> {
    if (this.failure) return Promise.reject(this.failure.error);
    const done = new Promise<void>((resolve, reject) =>
      this.waiting.push({ item, resolve, reject }),
    );
    if (!this.busy) void this.drain();
    return done;
  }

  private async drain(): Promise<void> {
    this.busy = true;
    try {
      while (this.waiting.length > 0) {
        const group = this.waiting.splice(0, this.maxItems);
        try {
          await this.write(group.map((g) => g.item));
        } catch (e) {
          this.failure = { error: e };
          for (const g of [...group, ...this.waiting.splice(0)]) g.reject(e);
          return;
        }
        for (const g of group) g.resolve();
      }
    } finally {
      this.busy = false;
    }
  }
}
