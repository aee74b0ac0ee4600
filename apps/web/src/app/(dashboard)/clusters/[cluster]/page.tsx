import { Suspense } from "react";

import { DrilldownView } from "../drilldown-view";

export default async function ClusterCostPage({
  params,
}: {
  params: Promise<{ cluster: string }>;
}) {
  const { cluster } = await params;
  return (
    <>
      <h1>Cluster costs</h1>
      <Suspense>
        <DrilldownView target={{ cluster }} />
      </Suspense>
    </>
  );
}
