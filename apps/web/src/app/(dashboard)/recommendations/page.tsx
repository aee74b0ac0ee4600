import { getSessionUser } from "~/server/auth/session";
import { can } from "~/server/permissions";
import { RecommendationsView } from "./recommendations-view";

export default async function RecommendationsPage() {
  const user = await getSessionUser();
  return (
    <>
      <h1>Recommendations</h1>
      <RecommendationsView canApprove={can(user, "approveRecommendation")} />
    </>
  );
}
