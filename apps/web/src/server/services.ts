import { pino } from "pino";

import { createPinnedClock, SYSTEM_CLOCK } from "@kubewise/services";
import type {
  Actor,
  Clock,
  PublicContext,
  ServiceContext,
} from "@kubewise/services";

import { env } from "../env";
import { getDatabase } from "./db";

/** The product's clock: the system clock, or the instant KUBEWISE_NOW pins (browser suite). */
export const clock: Clock = env.KUBEWISE_NOW
  ? createPinnedClock(env.KUBEWISE_NOW)
  : SYSTEM_CLOCK;

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
  return { db: getDatabase().db, clock, logger, ports: {} };
}

export function createServiceContext(actor: Actor): ServiceContext {
  return { ...createPublicContext(), actor };
}
