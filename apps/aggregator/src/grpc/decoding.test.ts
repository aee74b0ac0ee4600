import { expect, it } from "vitest";

import { createSemaphore } from "./decoding";

it("runs at most limit tasks at once, in FIFO order, and counts every task that had to wait", async () => {
  let waits = 0;
  const withSlot = createSemaphore(2, () => waits++);
  const releases: (() => void)[] = [];
  const started: number[] = [];
  const runs = [1, 2, 3, 4, 5].map((i) =>
    withSlot(
      () =>
        new Promise<number>((resolve) => {
          started.push(i);
          releases.push(() => resolve(i));
        }),
    ),
  );
  await Promise.resolve();
  expect(started).toEqual([1, 2]);
  expect(waits).toBe(3);
  while (started.length < 5 || releases.length > 0) {
    releases.shift()?.();
    await new Promise((r) => setImmediate(r));
  }
  expect(started).toEqual([1, 2, 3, 4, 5]);
  expect(await Promise.all(runs)).toEqual([1, 2, 3, 4, 5]);
  expect(waits).toBe(3);
});
