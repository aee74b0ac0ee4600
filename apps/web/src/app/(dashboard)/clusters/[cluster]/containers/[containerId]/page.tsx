import { notFound } from "next/navigation";
import { Suspense } from "react";

import { isUuid } from "~/server/ids";
import { DrilldownView } from "../../../drilldown-view";

export default async function ContainerCostPage({
  params,
}: {
  params: Promise<{ cluster: string; containerId: string }>;
}) {
  const { cluster, containerId } = await params;
  if (!isUuid(containerId)) notFound();
  return (
    <>
      <h1>Container</h1>
      <Suspense>
        <DrilldownView target={{ cluster, containerId }} />
      </Suspense>
    </>
  );
}
