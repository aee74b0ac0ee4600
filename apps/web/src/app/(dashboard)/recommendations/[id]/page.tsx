import Link from "next/link";
import { notFound } from "next/navigation";

import { getSessionUser } from "~/server/auth/session";
import { can } from "~/server/permissions";
import { RecommendationDetailView } from "./detail-view";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export default async function RecommendationPage({
  params,
}: {
  params: Promise<{ id: string }>;
}) {
  const { id } = await params;
  // A malformed id is a missing page, not a validation error shown to the user.
  if (!UUID.test(id)) notFound();
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
