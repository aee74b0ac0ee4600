import { pino } from "pino";
import { describe, expect, it } from "vitest";

import { NotLeaderError } from "@kubewise/controller";
import type { WorkloadRecommendation } from "@kubewise/k8s";
import type {
  RecommendationPublisher,
  ServiceContext,
} from "@kubewise/services";

import { createLeaderOnlyPublisher, startClusterSync } from "./cluster-sync";

type Call = { method: string };

function fakePublisher(): {
  publisher: RecommendationPublisher;
  calls: Call[];
} {
  const calls: Call[] = [];
  return {
    calls,
    publisher: {
      publish() {
        calls.push({ method: "publish" });
        return Promise.resolve();
      },
      setApproval() {
        calls.push({ method: "setApproval" });
        return Promise.resolve();
      },
      listStatuses() {
        calls.push({ method: "list" });
        return Promise.resolve([]);
      },
    },
  };
}

const desired: WorkloadRecommendation = {
  namespace: "shop",
  target: { kind: "Deployment", name: "web" },
  containers: [
    {
      name: "app",
      requests: { cpuMillicores: 250, memoryBytes: 2 ** 28 },
      limits: {},
    },
  ],
  confidence: 0.9,
  policy: "vpa",
  generatedAt: new Date("2026-11-20T12:00:00Z"),
};

describe("startClusterSync", () => {
  const failingDb = {
    transaction: () => Promise.reject(new Error("db down")),
    select: () => {
      throw new Error("db down");
    },
  } as unknown as ServiceContext["db"];
  const start = (
    publisher: RecommendationPublisher,
    leader: { isLeader: () => boolean },
    db: ServiceContext["db"] = failingDb,
  ) =>
    startClusterSync({
      ctx: {
        db,
        clock: { now: () => new Date() },
        logger: pino({ level: "silent" }),
      },
      publisher,
      clusterId: "00000000-0000-4000-8000-000000000001",
      intervalMs: 3_600_000,
      logger: pino({ level: "silent" }),
      leader: { identity: "aggregator-test", ...leader },
    });

  it("a failed round is logged and reported as failed instead of throwing", async () => {
    const { publisher } = fakePublisher();
    const sync = start(publisher, { isLeader: () => true });
    await expect(sync.runOnce()).resolves.toEqual({ status: "failed" });
    sync.stop();
  });

  it("a follower touches neither the database nor the API server", async () => {
    const { publisher, calls } = fakePublisher();
    let dbTouched = false;
    const spyDb = new Proxy(
      {},
      {
        get() {
          dbTouched = true;
          throw new Error("a follower must not query the database");
        },
      },
    ) as ServiceContext["db"];
    const sync = start(publisher, { isLeader: () => false }, spyDb);
    await expect(sync.runOnce()).resolves.toEqual({ status: "follower" });
    expect(calls).toEqual([]);
    expect(dbTouched).toBe(false);
    sync.stop();
  });
});

describe("createLeaderOnlyPublisher", () => {
  it("refuses cluster writes once the Lease is lost mid-round, still reads", async () => {
    const fake = fakePublisher();
    const { calls } = fake;
    let leading = true;
    const publisher = createLeaderOnlyPublisher(fake.publisher, {
      identity: "aggregator-a",
      isLeader: () => leading,
    });
    await publisher.publish(desired);
    leading = false;
    await expect(publisher.publish(desired)).rejects.toBeInstanceOf(
      NotLeaderError,
    );
    await expect(
      publisher.setApproval(
        { namespace: "shop", name: "deployment-web" },
        { state: "Approved" },
      ),
    ).rejects.toBeInstanceOf(NotLeaderError);
    await publisher.listStatuses();
    expect(calls.map((c) => c.method)).toEqual(["publish", "list"]);
  });
});
