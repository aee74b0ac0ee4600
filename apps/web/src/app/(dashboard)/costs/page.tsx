import { getSessionUser } from "~/server/auth/session";
import { can } from "~/server/permissions";
import { CostsView } from "./costs-view";

export default async function CostsPage() {
  const user = await getSessionUser();
  return <CostsView canEdit={can(user, "putCostSettings")} />;
}
