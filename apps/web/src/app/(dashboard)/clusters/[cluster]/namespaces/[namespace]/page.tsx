import { Suspense } from "react";

import { DrilldownView } from "../../../drilldown-view";

export default async function NamespaceCostPage({
  params,
}: {
  params: Promise<{ cluster: string; namespace: string }>;
}) {
  const { cluster, namespace } = await params;
  return (
    <>
      <h1>Namespace {decodeURIComponent(namespace)}</h1>
      <Suspense>
        <DrilldownView
          target={{ cluster, namespace: decodeURIComponent(namespace) }}
        />
      </Suspense>
    </>
  );
}
