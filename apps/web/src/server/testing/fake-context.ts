import { pino } from "pino";

import type { Actor, ServiceContext } from "@kubewise/services";

import type { SessionUser } from "../auth/session-user";

const DB_TOUCHED = "test: the database was reached";

/** A services context whose database throws on first use: proves a call got past authorization. */
export function createFakeServiceContext(actor: Actor): ServiceContext {
  const db = new Proxy(
    {},
    {
      get() {
        throw new Error(DB_TOUCHED);
      },
    },
  ) as ServiceContext["db"];
  return {
    db,
    actor,
    clock: { now: () => new Date("2026-11-27T08:00:00Z") },
    logger: pino({ level: "silent" }),
    ports: {},
  };
}

export function sessionUserWithRole(role: SessionUser["role"]): SessionUser {
  return {
    id: `00000000-0000-4000-8000-00000000000${role.length}`,
    email: `${role}@example.test`,
    name: role,
    role,
    scopes: "all",
  };
}
