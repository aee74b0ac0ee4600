import { isKubewiseError } from "@kubewise/core";
import { authorize } from "@kubewise/services";
import type { VerbName } from "@kubewise/services";

import { actorOf } from "./actor";
import type { SessionUser } from "./auth/session-user";

/** Whether to show a control: asks the services' one authorization gate instead of repeating it. */
export function can(user: SessionUser | undefined, verb: VerbName): boolean {
  if (!user) return false;
  try {
    authorize({ actor: actorOf(user) }, verb);
    return true;
  } catch (error) {
    if (isKubewiseError(error) && error.code === "FORBIDDEN") return false;
    throw error;
  }
}
