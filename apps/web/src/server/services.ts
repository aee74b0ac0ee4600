import { pino } from "pino";

import { SYSTEM_CLOCK } from "@kubewise/services";
import type { Actor, PublicContext, ServiceContext } from "@kubewise/services";

import { getDatabase } from "./auth/database";

const logger = pino({
  name: "kubewise-web",
  redact: [
    "token",
    "password",
    "*.token",
    "*.password",
    "authorization",
    "*.authorization",
  ],
});

export function createPublicContext(): PublicContext {
  return { db: getDatabase().db, clock: SYSTEM_CLOCK, logger, ports: {} };
}

export function createServiceContext(actor: Actor): ServiceContext {
  return { ...createPublicContext(), actor };
}
