/** Something that stores groups of items in one transaction: all or nothing, results in input order. */
type GroupStore<B, R> = (items: readonly B[]) => Promise<R[]>;

export type CoalescerOptions<B, R> = {
  store: GroupStore<B, R>;
  /** Transactions at once (a share of the database pool). */
  maxConcurrent: number;
  /** A group is closed once it holds this much (e.g. samples); a bigger single item goes alone. */
  maxGroupWeight: number;
  weight: (item: B) => number;
};

type Waiting<B, R> = {
  item: B;
  resolve: (result: R) => void;
  reject: (error: unknown) => void;
};

/**
 * Group commit for ingest: an item goes to the store at once while a transaction slot is free;
 * items that arrive while every slot is busy wait and then go together, in one transaction, so a
 * loaded store pays one commit (and one COPY) for many small batches instead of one each. When a
 * group fails, its items are retried one by one, so one bad batch fails only itself.
 */
export function createCoalescer<B, R>(
  options: CoalescerOptions<B, R>,
): { submit: (item: B) => Promise<R> } {
  const queue: Waiting<B, R>[] = [];
  let active = 0;

  const takeGroup = (): Waiting<B, R>[] => {
    const group: Waiting<B, R>[] = [];
    let weight = 0;
    for (let next = queue[0]; next !== undefined; next = queue[0]) {
      const w = options.weight(next.item);
      if (group.length > 0 && weight + w > options.maxGroupWeight) break;
      group.push(next);
      queue.shift();
      weight += w;
    }
    return group;
  };

  const settle = (group: Waiting<B, R>[], results: R[]) =>
    group.forEach((waiting, i) => {
      const result = results[i];
      if (result === undefined)
        waiting.reject(new Error("store returned fewer results than items"));
      else waiting.resolve(result);
    });

  const storeAlone = async (waiting: Waiting<B, R>) => {
    try {
      settle([waiting], await options.store([waiting.item]));
    } catch (error) {
      waiting.reject(error);
    }
  };

  const run = async (group: Waiting<B, R>[]) => {
    try {
      settle(group, await options.store(group.map((w) => w.item)));
    } catch (error) {
      if (group.length === 1) group[0]?.reject(error);
      else for (const waiting of group) await storeAlone(waiting);
    }
  };

  const drain = () => {
    while (active < options.maxConcurrent && queue.length > 0) {
      active++;
      void run(takeGroup()).finally(() => {
        active--;
        drain();
      });
    }
  };

  return {
    submit: (item) =>
      new Promise<R>((resolve, reject) => {
        queue.push({ item, resolve, reject });
        drain();
      }),
  };
}
