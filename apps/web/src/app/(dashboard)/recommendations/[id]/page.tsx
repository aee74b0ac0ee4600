import Link from "next/link";

import { getSessionUser } from "~/server/auth/session";
import { can } from "~/server/permissions";
import { RecommendationDetailView } from "./detail-view";

export default async function RecommendationPage({
  params,
}: {
  params: Promise<{ id: string }>;
}) {
  const { id } = await params;
  const user = await getSessionUser();
  return (
    <>
      <p>
        <Link href="/recommendations">← Recommendations</Link>
      </p>
      <h1>Recommendation</h1>
      <RecommendationDetailView
        id={id}
        canApprove={can(user, "approveRecommendation")}
      />
    </>
  );
}
