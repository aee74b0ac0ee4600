"use client";

import { useQuery } from "@tanstack/react-query";

import { useClusterSelection } from "~/components/cluster-selector";
import { QueryState } from "~/components/query-state";
import { useTRPC } from "~/trpc/react";
import { SafetySettings } from "./safety-form";

export function SafetyView({ canEdit }: { canEdit: boolean }) {
  const trpc = useTRPC();
  const { input, cluster, multi } = useClusterSelection();
  const costs = useQuery(trpc.cost.overview.queryOptions(input));
  if (multi && !cluster)
    return (
      <div className="state" data-testid="safety-per-cluster">
        Safety settings are set per cluster: choose a cluster.
      </div>
    );
  return (
    <QueryState query={costs} empty="">
      {(report) => (
        <SafetySettings
          namespaces={report.byNamespace.map((ns) => ns.namespace).sort()}
          canEdit={canEdit}
          cluster={cluster}
        />
      )}
    </QueryState>
  );
}
