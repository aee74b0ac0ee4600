import { getServerSession } from "next-auth";

import { authOptions } from "./options";
import { parseSessionUser } from "./session-user";
import type { SessionUser } from "./session-user";

export async function getSessionUser(): Promise<SessionUser | undefined> {
  const session = await getServerSession(authOptions);
  return parseSessionUser(session?.user);
}
