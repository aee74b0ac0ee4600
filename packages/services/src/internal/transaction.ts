import type { DbExecutor } from "@kubewise/db";

import type { ServiceContext } from "../context";

/** Runs fn in a transaction (a savepoint when ctx.db already is one) with ctx.db bound to it. */
export function withTransaction<C extends Pick<ServiceContext, "db">, T>(
  ctx: C,
  fn: (txCtx: C) => Promise<T>,
): Promise<T> {
  return ctx.db.transaction((tx: DbExecutor) => fn({ ...ctx, db: tx }));
}
