import fc from "fast-check";
import { describe, expect, it } from "vitest";

import { agentV1, createSyncMetricsDecoder } from "@kubewise/proto";

// The aggregator's SyncMetricsRequest decoder against the generated one. KW_PROPERTY_SEED replays
// a logged seed.
const SEED = Number(process.env.KW_PROPERTY_SEED ?? 20261207);

const uint64 = fc.oneof(
  fc.constant(0),
  fc.integer({ min: 0, max: 2 ** 31 }),
  fc.maxSafeNat(),
);
const container = fc.record({
  namespace: fc.string({ maxLength: 12 }),
  podName: fc.string({ maxLength: 12 }),
  podUid: fc.string({ maxLength: 8 }),
  containerName: fc.string({ maxLength: 8 }),
  containerId: fc.string({ maxLength: 8 }),
  workloadKind: fc.constantFrom("", "Deployment", "StatefulSet"),
  workloadName: fc.string({ maxLength: 12 }),
  cpuRequestMillicores: uint64,
  cpuLimitMillicores: uint64,
  memoryRequestBytes: uint64,
  memoryLimitBytes: uint64,
  labels: fc.option(
    fc.record({
      values: fc.dictionary(fc.string({ maxLength: 6 }), fc.string(), {
        maxKeys: 3,
      }),
    }),
    { nil: undefined },
  ),
});
const doubles = fc.array(fc.double(), { maxLength: 6 });
const uint32s = fc.array(fc.nat({ max: 2 ** 32 - 1 }), { maxLength: 6 });
const batch = fc.record({
  agentId: fc.constantFrom("a", "b", "node-1"),
  bootId: fc.string({ maxLength: 8 }),
  seq: uint64,
  nodeName: fc.string({ maxLength: 8 }),
  containers: fc.array(container, { maxLength: 4 }),
  containerIndex: uint32s,
  timestampMs: doubles,
  cpuUsageCores: doubles,
  cpuThrottledPeriods: uint32s,
  cpuThrottledSeconds: doubles,
  memoryWorkingSetBytes: doubles,
  memoryRssBytes: doubles,
  memoryLimitBytes: doubles,
  oomKillCount: uint32s,
  droppedBatchesTotal: uint64,
  cpuPeriods: uint32s,
  anomalyReport: fc.option(
    fc.record({
      flags: fc.array(
        fc.record({
          containerIndex: fc.nat({ max: 10 }),
          kind: fc.constantFrom(0, 1, 2, 3),
          severity: fc.constantFrom(0, 1, 2, 3),
          detectedAtMs: fc.double(),
          details: fc.dictionary(fc.string({ maxLength: 4 }), fc.double(), {
            maxKeys: 2,
          }),
        }),
        { maxLength: 2 },
      ),
    }),
    { nil: undefined },
  ),
});

const encode = (b: agentV1.MetricBatch | undefined): Uint8Array =>
  agentV1.SyncMetricsRequest.encode({ batch: b }).finish();

const generated = (bytes: Uint8Array) => {
  try {
    return {
      ok: true as const,
      value: agentV1.SyncMetricsRequest.decode(bytes),
    };
  } catch {
    return { ok: false as const };
  }
};

describe("createSyncMetricsDecoder", () => {
  it("decodes every message as the generated decoder does, and a repeat of an agent's containers to the same array", () => {
    console.log(`sync-metrics decoder property: seed ${SEED}`);
    const decoder = createSyncMetricsDecoder();
    fc.assert(
      fc.property(batch, fc.boolean(), (input, withBatch) => {
        const message = agentV1.MetricBatch.fromPartial(input);
        const bytes = encode(withBatch ? message : undefined);
        const expected = agentV1.SyncMetricsRequest.decode(bytes);
        const first = decoder.decode(bytes);
        expect(first).toEqual(expected);
        const reusedBefore = decoder.reused;
        // The same batch again (a resend) or the next scrape with the same containers.
        const again = decoder.decode(
          encode(withBatch ? { ...message, seq: message.seq + 1 } : undefined),
        );
        expect(again.batch?.containers).toEqual(expected.batch?.containers);
        if (withBatch && message.containers.length > 0) {
          expect(again.batch?.containers).toBe(first.batch?.containers);
          expect(decoder.reused).toBe(reusedBefore + 1);
        }
      }),
      { numRuns: 1_000, seed: SEED },
    );
  });

  it("decodes changed containers anew and keeps agents apart", () => {
    const decoder = createSyncMetricsDecoder();
    const base = agentV1.MetricBatch.fromPartial({
      agentId: "node-1",
      containers: [
        {
          namespace: "ns",
          podName: "p",
          containerName: "c",
          cpuLimitMillicores: 500,
        },
      ],
    });
    const first = decoder.decode(encode(base));
    const resized = decoder.decode(
      encode({
        ...base,
        containers: [{ ...base.containers[0]!, cpuLimitMillicores: 700 }],
      }),
    );
    expect(resized.batch?.containers[0]?.cpuLimitMillicores).toBe(700);
    expect(resized.batch?.containers).not.toBe(first.batch?.containers);
    const other = decoder.decode(encode({ ...base, agentId: "node-2" }));
    expect(other.batch?.containers).not.toBe(first.batch?.containers);
    expect(other.batch?.containers).toEqual(first.batch?.containers);
    expect(decoder.reused).toBe(0);
    // Back to node-1's previous containers: its cache now holds the resized ones.
    expect(decoder.decode(encode(base)).batch?.containers).toEqual(
      first.batch?.containers,
    );
  });

  it("keeps at most maxContainers containers, then starts over", () => {
    const decoder = createSyncMetricsDecoder({ maxContainers: 2 });
    const of = (agentId: string, n: number) =>
      encode(
        agentV1.MetricBatch.fromPartial({
          agentId,
          containers: Array.from({ length: n }, (_, i) => ({
            namespace: "ns",
            podName: `p${i}`,
          })),
        }),
      );
    decoder.decode(of("a", 2));
    decoder.decode(of("a", 2));
    expect(decoder.reused).toBe(1);
    // b's container would make 3: the cache starts over with b alone.
    decoder.decode(of("b", 1));
    const again = decoder.decode(of("a", 2));
    expect(decoder.reused).toBe(1);
    expect(again.batch?.containers.map((c) => c.podName)).toEqual(["p0", "p1"]);
    decoder.decode(of("a", 2));
    expect(decoder.reused).toBe(2);
  });

  it("on random and corrupted bytes, returns what the generated decoder returns and refuses what it refuses", () => {
    const decoder = createSyncMetricsDecoder({ maxContainers: 6 });
    let refused = 0;
    fc.assert(
      fc.property(
        fc.oneof(
          fc.uint8Array({ minLength: 1, maxLength: 300 }),
          fc
            .tuple(batch, fc.nat(), fc.nat({ max: 255 }), fc.nat())
            .map(([input, at, value, cut]) => {
              const bytes = encode(agentV1.MetricBatch.fromPartial(input));
              const i = at % bytes.length;
              bytes[i] = value;
              return bytes.subarray(0, bytes.length - (cut % 3));
            }),
        ),
        (bytes) => {
          const expected = generated(bytes);
          let actual: agentV1.SyncMetricsRequest | undefined;
          try {
            actual = decoder.decode(bytes);
          } catch {
            refused++;
          }
          expect(actual !== undefined).toBe(expected.ok);
          if (expected.ok) expect(actual).toEqual(expected.value);
        },
      ),
      { numRuns: 10_000, seed: SEED },
    );
    expect(refused).toBeGreaterThan(0);
  });
});
