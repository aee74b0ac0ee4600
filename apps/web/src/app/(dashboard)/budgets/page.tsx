import { getSessionUser } from "~/server/auth/session";
import { can } from "~/server/permissions";
import { BudgetsView } from "./budgets-view";

export default async function BudgetsPage() {
  const user = await getSessionUser();
  return (
    <>
      <h1>Budgets and alerts</h1>
      <BudgetsView
        canEdit={can(user, "createBudget")}
        canSeeChannels={can(user, "listNotificationChannels")}
      />
    </>
  );
}
