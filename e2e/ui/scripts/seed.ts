import { createDb } from "@kubewise/db";
import {
  createSeededRng,
  DEMO_USERS,
  seedDemoData,
} from "@kubewise/services/demo";

import type { E2eUser, StackInfo } from "./stack-info";

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
