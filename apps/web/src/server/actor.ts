import type { Actor } from "@kubewise/services";

import type { SessionUser } from "./auth/session-user";

export function actorOf(user: SessionUser): Actor {
  return { userId: user.id, role: user.role, scopes: user.scopes };
}
