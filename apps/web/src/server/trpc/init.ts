import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { ZodError } from "zod";

import type { Actor, ServiceContext } from "@kubewise/services";

import { actorOf } from "../actor";
import type { SessionUser } from "../auth/session-user";
import type { SystemStatus } from "../status";
import { toTRPCError } from "./errors";

type TrpcContext = {
  user: SessionUser | undefined;
  /** Injected so tests can build a context without a database. */
  createServiceContext: (actor: Actor) => ServiceContext;
  getStatus: () => Promise<SystemStatus>;
};

function fieldErrorsOf(
  cause: unknown,
): { path: string; message: string }[] | undefined {
  if (!(cause instanceof ZodError)) return undefined;
  return cause.issues.map((issue) => ({
    path: issue.path.map(String).join("."),
    message: issue.message,
  }));
}

const t = initTRPC.context<TrpcContext>().create({
  transformer: superjson,
  errorFormatter({ shape, error }) {
    return {
      ...shape,
      data: {
        ...shape.data,
        stack: undefined,
        fieldErrors: fieldErrorsOf(error.cause),
      },
    };
  },
});

// tRPC wraps whatever a resolver throws in INTERNAL_SERVER_ERROR; unwrap and map it once, here.
const mapErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (
    !result.ok &&
    result.error.code === "INTERNAL_SERVER_ERROR" &&
    result.error.cause !== undefined
  ) {
    const mapped = toTRPCError(result.error.cause);
    if (mapped.code === "INTERNAL_SERVER_ERROR")
      console.error("trpc: unexpected error", result.error.cause);
    throw mapped;
  }
  return result;
});

export const createTRPCRouter = t.router;
export const createCallerFactory = t.createCallerFactory;

export const publicProcedure = t.procedure.use(mapErrors);

/** Authentication only; what a user may do is decided by the services verbs (one place). */
export const authedProcedure = publicProcedure.use(({ ctx, next }) => {
  if (!ctx.user)
    throw new TRPCError({ code: "UNAUTHORIZED", message: "Sign in first" });
  return next({
    ctx: {
      user: ctx.user,
      services: ctx.createServiceContext(actorOf(ctx.user)),
    },
  });
});
