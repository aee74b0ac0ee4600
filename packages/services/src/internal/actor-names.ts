import { getUserNames, type DbExecutor } from "@kubewise/db";

/** "Alice Approver <alice@…>" for user ids; system and OIDC actors read as they are. */
export async function describeActors(
  db: DbExecutor,
  actors: readonly string[],
): Promise<(actor: string) => string> {
  const names = await getUserNames(db, actors);
  return (actor) => {
    const user = names.get(actor);
    if (user) return `${user.name} <${user.email}>`;
    if (actor.startsWith("system:")) return `Kubewise ${actor.slice(7)}`;
    return actor;
  };
}

/** The reason or comment an audit payload carries, if any. */
export function reasonOf(payload: unknown): string | null {
  if (typeof payload !== "object" || payload === null) return null;
  const { reason, comment } = payload as {
    reason?: unknown;
    comment?: unknown;
  };
  if (typeof reason === "string" && reason !== "") return reason;
  return typeof comment === "string" && comment !== "" ? comment : null;
}
