"use client";

import { useQuery } from "@tanstack/react-query";

import { QueryState } from "~/components/query-state";
import { useTRPC } from "~/trpc/react";
import { SafetySettings } from "./safety-form";

export function SafetyView({ canEdit }: { canEdit: boolean }) {
  const trpc = useTRPC();
  const costs = useQuery(trpc.cost.overview.queryOptions({}));
  return (
    <QueryState query={costs} empty="">
      {(report) => (
        <SafetySettings
          namespaces={report.byNamespace.map((ns) => ns.namespace).sort()}
          canEdit={canEdit}
        />
      )}
    </QueryState>
  );
}
