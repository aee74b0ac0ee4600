import { addUserScopes, createDb, insertUser } from "@kubewise/db";
import {
  createSeededRng,
  DEMO_USERS,
  seedDemoData,
} from "@kubewise/services/demo";

import type { E2eUser, SsoUser, StackInfo } from "./stack-info";

const SEED = 20261127;

function demoUser(role: E2eUser["role"]): E2eUser {
  const user = DEMO_USERS.find((candidate) => candidate.role === role);
  if (!user) throw new Error(`the demo catalog has no ${role} user`);
  return { email: user.email, password: user.password, role };
}

/** The services' deterministic demo data: cluster, workloads, rollups, recommendations, users. */
export async function seedE2eData(
  databaseUrl: string,
  now: Date,
): Promise<StackInfo["users"]> {
  const client = createDb({ url: databaseUrl, max: 2 });
  try {
    await seedDemoData({ db: client.db, now, rng: createSeededRng(SEED) });
  } finally {
    await client.close();
  }
  return {
    admin: demoUser("admin"),
    approver: demoUser("approver"),
    viewer: demoUser("viewer"),
  };
}

/** A user an admin provisioned before their first SSO login: approver, scoped to one namespace. */
export async function seedSsoUser(databaseUrl: string): Promise<SsoUser> {
  const user: SsoUser = {
    email: "sso.approver@kubewise.test",
    role: "approver",
    namespace: "shop",
  };
  const client = createDb({ url: databaseUrl, max: 1 });
  try {
    const [cluster] = await client.sql<{ id: string }[]>`
      select id::text from clusters where name = 'demo'`;
    if (!cluster) throw new Error("the demo seed created no cluster");
    const row = await insertUser(client.db, {
      email: user.email,
      name: "SSO Approver",
      role: user.role,
    });
    await addUserScopes(client.db, [
      { userId: row.id, clusterId: cluster.id, namespace: user.namespace },
    ]);
  } finally {
    await client.close();
  }
  return user;
}
