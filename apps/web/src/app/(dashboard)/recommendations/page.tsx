import { getSessionUser } from "~/server/auth/session";
import { can } from "~/server/permissions";
import { RecommendationsView } from "./recommendations-view";

export default async function RecommendationsPage({
  searchParams,
}: {
  searchParams: Promise<Record<string, string | string[] | undefined>>;
}) {
  const user = await getSessionUser();
  const { namespace } = await searchParams;
  return (
    <>
      <h1>Recommendations</h1>
      <RecommendationsView
        canApprove={can(user, "approveRecommendation")}
        initialNamespace={typeof namespace === "string" ? namespace : ""}
      />
    </>
  );
}
