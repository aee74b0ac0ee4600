import { getUserByEmail, insertUser, updateUser } from "@kubewise/db";

import { authorize } from "../auth/authorize";
import type { PublicContext } from "../context";
import { recordAudit } from "../internal/audit";
import { parseInput } from "../internal/parse";
import { hashPassword, verifyPassword } from "../internal/secrets";
import { withTransaction } from "../internal/transaction";
import {
  EnsureBootstrapAdminInputSchema,
  type EnsureBootstrapAdminInput,
} from "./schemas";

/** Startup step: make sure the admin from env/secret exists with that password (idempotent). */
export async function ensureBootstrapAdmin({
  ctx,
  input,
}: {
  ctx: PublicContext;
  input: EnsureBootstrapAdminInput;
}): Promise<{ userId: string; changed: boolean }> {
  authorize({ actor: undefined }, "ensureBootstrapAdmin");
  const { email, password, name } = parseInput(
    EnsureBootstrapAdminInputSchema,
    input,
  );
  return withTransaction(ctx, async (tx) => {
    const existing = await getUserByEmail(tx.db, email);
    if (
      existing?.role === "admin" &&
      existing.passwordHash &&
      (await verifyPassword(password, existing.passwordHash))
    ) {
      return { userId: existing.id, changed: false };
    }
    const passwordHash = await hashPassword(password);
    const user = existing
      ? ((await updateUser(tx.db, existing.id, {
          role: "admin",
          passwordHash,
        })) ?? existing)
      : await insertUser(tx.db, {
          email,
          name,
          role: "admin",
          passwordHash,
          createdAt: tx.clock.now(),
        });
    await recordAudit(
      { ...tx, actorId: "system:bootstrap" },
      {
        clusterId: null,
        action: "user.bootstrap_admin",
        subject: `user:${user.id}`,
        payload: { email: user.email, created: !existing },
      },
    );
    return { userId: user.id, changed: true };
  });
}
