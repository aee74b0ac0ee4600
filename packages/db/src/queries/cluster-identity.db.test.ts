import { randomUUID } from "node:crypto";

import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { createTestDatabase, type TestDatabase } from "../testing";
import { ClusterIdentityError, ensureCluster } from "./cluster-identity";
import { ensureClusterByName } from "./ingest";

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(() => t.close());

const storedUid = async (id: string) => {
  const [row] = await t.sql<{ kube_system_uid: string | null }[]>`
    select kube_system_uid from clusters where id = ${id}`;
  return row?.kube_system_uid;
};

describe("ensureCluster: a cluster is its name plus its kube-system UID", () => {
  it("the first install records its UID and restarts of the same cluster get the same row", async () => {
    const name = `east-${randomUUID().slice(0, 8)}`;
    const uid = randomUUID();
    const id = await ensureCluster(t.sql, { name, kubeSystemUid: uid });
    expect(await storedUid(id)).toBe(uid);
    expect(await ensureCluster(t.sql, { name, kubeSystemUid: uid })).toBe(id);
  });

  it("refuses a second Kubernetes cluster that configured the same name, and stores nothing for it", async () => {
    const name = `prod-${randomUUID().slice(0, 8)}`;
    const first = randomUUID();
    const second = randomUUID();
    const id = await ensureCluster(t.sql, { name, kubeSystemUid: first });
    const refused = ensureCluster(t.sql, { name, kubeSystemUid: second });
    await expect(refused).rejects.toBeInstanceOf(ClusterIdentityError);
    await expect(refused).rejects.toThrow(
      new RegExp(
        `cluster "${name}".*UID ${first}.*UID ${second}.*own clusterName`,
      ),
    );
    expect(await storedUid(id)).toBe(first);
    const [{ n } = { n: -1 }] = await t.sql<{ n: number }[]>`
      select count(*)::int as n from clusters where kube_system_uid = ${second}`;
    expect(n).toBe(0);
  });

  it("refuses the same Kubernetes cluster installed again under another name", async () => {
    const uid = randomUUID();
    const name = `west-${randomUUID().slice(0, 8)}`;
    await ensureCluster(t.sql, { name, kubeSystemUid: uid });
    const again = `west-again-${randomUUID().slice(0, 8)}`;
    await expect(
      ensureCluster(t.sql, { name: again, kubeSystemUid: uid }),
    ).rejects.toThrow(new RegExp(`already stored as cluster "${name}"`));
  });

  it("a cluster first seen without API access (demo, older aggregator) is claimed by the first UID", async () => {
    const name = `legacy-${randomUUID().slice(0, 8)}`;
    const id = await ensureClusterByName(t.sql, name);
    expect(await storedUid(id)).toBeNull();
    const uid = randomUUID();
    expect(await ensureCluster(t.sql, { name, kubeSystemUid: uid })).toBe(id);
    expect(await storedUid(id)).toBe(uid);
    // An install without API access keeps working on the claimed row (it cannot tell its cluster).
    expect(await ensureClusterByName(t.sql, name)).toBe(id);
    await expect(
      ensureCluster(t.sql, { name, kubeSystemUid: randomUUID() }),
    ).rejects.toBeInstanceOf(ClusterIdentityError);
  });

  it("two installs of different clusters starting at once with the same name: exactly one wins", async () => {
    const name = `race-${randomUUID().slice(0, 8)}`;
    const uids = [randomUUID(), randomUUID()];
    const results = await Promise.allSettled(
      uids.map((kubeSystemUid) =>
        ensureCluster(t.sql, { name, kubeSystemUid }),
      ),
    );
    const won = results.filter((r) => r.status === "fulfilled");
    const lost = results.filter(
      (r): r is PromiseRejectedResult => r.status === "rejected",
    );
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    expect(lost[0]?.reason).toBeInstanceOf(ClusterIdentityError);
  });
});
