import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { createCoalescer } from "./coalescer";

type Call = { items: number[]; release: () => void; fail: boolean };

/** A store whose transactions finish only when the test releases them. */
function manualStore() {
  const calls: Call[] = [];
  let failing = new Set<number>();
  const store = (items: readonly number[]) =>
    new Promise<string[]>((resolve, reject) => {
      const call: Call = {
        items: [...items],
        fail: items.some((i) => failing.has(i)),
        release: () =>
          call.fail
            ? reject(new Error(`poison in ${items.join(",")}`))
            : resolve(items.map((i) => `stored ${i}`)),
      };
      calls.push(call);
    });
  return {
    calls,
    store,
    failOn: (items: number[]) => (failing = new Set(items)),
  };
}

const tick = () => new Promise((r) => setImmediate(r));

describe("ingest coalescer", () => {
  it("stores alone while a slot is free and groups what arrives while all slots are busy", async () => {
    const s = manualStore();
    const c = createCoalescer({
      store: s.store,
      maxConcurrent: 2,
      maxGroupWeight: 100,
      weight: () => 1,
    });
    const results = [1, 2, 3, 4, 5].map((i) => c.submit(i));
    await tick();
    expect(s.calls.map((call) => call.items)).toEqual([[1], [2]]);
    s.calls[0]?.release();
    await tick();
    expect(s.calls.map((call) => call.items)).toEqual([[1], [2], [3, 4, 5]]);
    s.calls[1]?.release();
    s.calls[2]?.release();
    expect(await Promise.all(results)).toEqual(
      [1, 2, 3, 4, 5].map((i) => `stored ${i}`),
    );
  });

  it("closes a group at maxGroupWeight", async () => {
    const s = manualStore();
    const c = createCoalescer({
      store: s.store,
      maxConcurrent: 1,
      maxGroupWeight: 500,
      weight: (i) => i * 100,
    });
    const results = [1, 2, 2, 1, 6].map((i) => c.submit(i));
    for (let round = 0; round < 4; round++) {
      await tick();
      s.calls[round]?.release();
    }
    await Promise.all(results);
    expect(s.calls.map((call) => call.items)).toEqual([[1], [2, 2, 1], [6]]);
  });

  it("retries a failed group item by item, so only the poisoned item fails", async () => {
    const s = manualStore();
    const c = createCoalescer({
      store: s.store,
      maxConcurrent: 1,
      maxGroupWeight: 100,
      weight: () => 1,
    });
    s.failOn([3]);
    const results = [1, 2, 3, 4].map((i) =>
      c.submit(i).catch((e: Error) => e.message),
    );
    for (let released = 0; released < 6; released++) {
      await tick();
      s.calls[released]?.release();
    }
    expect(await Promise.all(results)).toEqual([
      "stored 1",
      "stored 2",
      "poison in 3",
      "stored 4",
    ]);
    expect(s.calls.map((call) => call.items)).toEqual([
      [1],
      [2, 3, 4],
      [2],
      [3],
      [4],
    ]);
  });

  it("settles every item exactly once with its own result, for any arrival and completion order", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 5 }), {
          minLength: 1,
          maxLength: 40,
        }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 40 }),
        async (weights, maxConcurrent, picks) => {
          const open: Call[] = [];
          const done: Call[] = [];
          const c = createCoalescer({
            store: (items: readonly number[]) =>
              new Promise<string[]>((resolve) =>
                open.push({
                  items: [...items],
                  fail: false,
                  release: () => resolve(items.map((i) => `stored ${i}`)),
                }),
              ),
            maxConcurrent,
            maxGroupWeight: 6,
            weight: (i) => weights[i] ?? 1,
          });
          let settled = 0;
          const results = weights.map((_, i) =>
            c.submit(i).finally(() => settled++),
          );
          for (let step = 0; settled < weights.length; step++) {
            await tick();
            expect(open.length).toBeLessThanOrEqual(maxConcurrent);
            const [call] = open.splice(
              (picks[step % picks.length] ?? 0) % Math.max(1, open.length),
              1,
            );
            if (call === undefined) continue;
            done.push(call);
            call.release();
          }
          expect(await Promise.all(results)).toEqual(
            weights.map((_, i) => `stored ${i}`),
          );
          expect(
            done.flatMap((call) => call.items).sort((a, b) => a - b),
          ).toEqual(weights.map((_, i) => i));
          for (const call of done)
            if (call.items.length > 1)
              expect(
                call.items.reduce((sum, i) => sum + (weights[i] ?? 0), 0),
              ).toBeLessThanOrEqual(6);
        },
      ),
      { numRuns: 200 },
    );
  });
});
