import { notFound } from "next/navigation";
import { Suspense } from "react";

import { isUuid } from "~/server/ids";
import { DrilldownView } from "../../../drilldown-view";

export default async function WorkloadCostPage({
  params,
}: {
  params: Promise<{ cluster: string; workloadId: string }>;
}) {
  const { cluster, workloadId } = await params;
  if (!isUuid(workloadId)) notFound();
  return (
    <>
      <h1>Workload</h1>
      <Suspense>
        <DrilldownView target={{ cluster, workloadId }} />
      </Suspense>
    </>
  );
}
