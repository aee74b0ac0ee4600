import { pino } from "pino";
import { describe, expect, it } from "vitest";

import {
  buildResourceRecommendation,
  hashRecommendedResources,
  MANAGED_BY_LABEL,
  NotLeaderError,
  type KubeClients,
} from "@kubewise/k8s";
import type { ServiceContext } from "@kubewise/services";

import {
  createLeaderOnlyPublisher,
  createRecommendationPublisher,
  startClusterSync,
} from "./cluster-sync";

type Call = { method: string; args: Record<string, unknown> };

function fakeCustom(items: unknown[]): {
  clients: Pick<KubeClients, "custom">;
  calls: Call[];
} {
  const calls: Call[] = [];
  const custom = {
    listClusterCustomObject: (args: Record<string, unknown>) => {
      calls.push({ method: "list", args });
      return Promise.resolve({ items });
    },
    patchNamespacedCustomObject: (args: Record<string, unknown>) => {
      calls.push({ method: "patch", args });
      return Promise.resolve(args.body);
    },
  };
  return {
    clients: { custom: custom as unknown as KubeClients["custom"] },
    calls,
  };
}

const desired = buildResourceRecommendation({
  namespace: "shop",
  target: { kind: "Deployment", name: "web" },
  containers: [
    { name: "app", requests: { cpuMillicores: 250, memoryBytes: 2 ** 28 } },
  ],
  confidence: 0.9,
  policy: "vpa",
  generatedAt: new Date("2026-11-20T12:00:00Z"),
});
const stored = (labels: Record<string, string>, phase?: string) => ({
  ...desired,
  metadata: { ...desired.metadata, labels },
  spec: { ...desired.spec, dryRun: true, autoApply: false },
  ...(phase ? { status: { phase } } : {}),
});

describe("createRecommendationPublisher", () => {
  it("lists only Kubewise-managed objects with their resource hash and phase", async () => {
    const { clients } = fakeCustom([
      stored({ [MANAGED_BY_LABEL]: "kubewise" }, "Applied"),
      {
        ...stored({}),
        metadata: { ...desired.metadata, name: "hand-made", labels: {} },
      },
    ]);
    expect(await createRecommendationPublisher(clients).listStatuses()).toEqual(
      [
        {
          namespace: "shop",
          name: "deployment-web",
          specHash: hashRecommendedResources(desired.spec),
          approval: undefined,
          phase: "Applied",
        },
      ],
    );
  });

  it.each([
    { options: {}, spec: { approval: { state: "Rejected" } } },
    {
      options: { dryRun: false },
      spec: { approval: { state: "Rejected" }, dryRun: false },
    },
  ])(
    "setApproval merge-patches $spec as its own field manager",
    async ({ options, spec }) => {
      const { clients, calls } = fakeCustom([]);
      await createRecommendationPublisher(clients).setApproval(
        { namespace: "shop", name: "deployment-web" },
        { state: "Rejected" },
        options,
      );
      expect(calls).toEqual([
        {
          method: "patch",
          args: expect.objectContaining({
            namespace: "shop",
            name: "deployment-web",
            body: { spec },
            fieldManager: "kubewise-approval",
          }) as unknown,
        },
      ]);
    },
  );
});

describe("startClusterSync", () => {
  const failingDb = {
    transaction: () => Promise.reject(new Error("db down")),
    select: () => {
      throw new Error("db down");
    },
  } as unknown as ServiceContext["db"];
  const start = (
    clients: Pick<KubeClients, "custom">,
    leader: { isLeader: () => boolean },
    db: ServiceContext["db"] = failingDb,
  ) =>
    startClusterSync({
      ctx: {
        db,
        clock: { now: () => new Date() },
        logger: pino({ level: "silent" }),
      },
      clients,
      clusterId: "00000000-0000-4000-8000-000000000001",
      intervalMs: 3_600_000,
      logger: pino({ level: "silent" }),
      leader: { identity: "aggregator-test", ...leader },
    });

  it("a failed round is logged and reported as failed instead of throwing", async () => {
    const { clients } = fakeCustom([]);
    const sync = start(clients, { isLeader: () => true });
    await expect(sync.runOnce()).resolves.toEqual({ status: "failed" });
    sync.stop();
  });

  it("a follower touches neither the database nor the API server", async () => {
    const { clients, calls } = fakeCustom([]);
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
    const sync = start(clients, { isLeader: () => false }, spyDb);
    await expect(sync.runOnce()).resolves.toEqual({ status: "follower" });
    expect(calls).toEqual([]);
    expect(dbTouched).toBe(false);
    sync.stop();
  });
});

describe("createLeaderOnlyPublisher", () => {
  it("refuses cluster writes once the Lease is lost mid-round, still reads", async () => {
    const { clients, calls } = fakeCustom([]);
    let leading = true;
    const publisher = createLeaderOnlyPublisher(
      createRecommendationPublisher(clients),
      { identity: "aggregator-a", isLeader: () => leading },
    );
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
    expect(calls.map((c) => c.method)).toEqual(["patch", "list"]);
  });
});
