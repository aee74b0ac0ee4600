"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { formatMicroUsd, formatPrice } from "@kubewise/core";

import { useClusterSelection } from "~/components/cluster-selector";
import { QueryState } from "~/components/query-state";
import { useTRPC } from "~/trpc/react";
import type { RouterOutputs } from "~/trpc/types";

type View = RouterOutputs["cost"]["settings"];

function SettingsForm({ view }: { view: View }) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [shared, setShared] = useState(
    view.settings.sharedNamespaces.join(", "),
  );
  const [shareIdle, setShareIdle] = useState(view.settings.shareIdle);
  const [labelKeys, setLabelKeys] = useState(
    view.settings.labelKeys.join(", "),
  );
  const [csv, setCsv] = useState("");
  const save = useMutation(
    trpc.cost.putSettings.mutationOptions({
      onSuccess: () =>
        queryClient.invalidateQueries({ queryKey: trpc.cost.pathKey() }),
    }),
  );
  const list = (text: string) =>
    text
      .split(",")
      .map((s) => s.trim())
      .filter(Boolean);
  return (
    <form
      aria-label="Cost settings"
      onSubmit={(event) => {
        event.preventDefault();
        save.mutate({
          clusterId: view.clusterId,
          settings: {
            ...view.settings,
            sharedNamespaces: list(shared),
            shareIdle,
            labelKeys: list(labelKeys),
          },
          pricingCsv: csv.trim() === "" ? undefined : csv,
        });
      }}
    >
      <label>
        Shared namespaces (split over the others by their allocated cost)
        <input
          aria-label="Shared namespaces"
          value={shared}
          onChange={(e) => setShared(e.target.value)}
          placeholder="kube-system, monitoring"
        />
      </label>
      <label>
        Label keys for allocation
        <input
          aria-label="Label keys"
          value={labelKeys}
          onChange={(e) => setLabelKeys(e.target.value)}
        />
      </label>
      <label style={{ flexDirection: "row", alignItems: "center" }}>
        <input
          type="checkbox"
          checked={shareIdle}
          onChange={(e) => setShareIdle(e.target.checked)}
        />{" "}
        spread idle cost over tenants
      </label>
      <label>
        Custom pricing sheet (CSV: resource,unit,hourly_usd / cpu,core,0.031 /
        memory,GiB,0.004)
        <textarea
          aria-label="Pricing CSV"
          rows={4}
          value={csv}
          onChange={(e) => setCsv(e.target.value)}
        />
      </label>
      {save.error ? <p className="error">{save.error.message}</p> : null}
      <button type="submit" className="primary" disabled={save.isPending}>
        Save cost settings
      </button>
    </form>
  );
}

export function CostSettingsPanel({ canEdit }: { canEdit: boolean }) {
  const trpc = useTRPC();
  const { input, cluster, multi } = useClusterSelection();
  const view = useQuery(
    trpc.cost.settings.queryOptions(input, { enabled: !multi || !!cluster }),
  );
  if (multi && !cluster)
    return (
      <div className="panel">
        <h2>Prices and sharing</h2>
        <p className="muted" data-testid="settings-per-cluster">
          Prices and sharing are set per cluster: choose a cluster to see or
          change them. The totals above are sums over the clusters, each priced
          with its own settings.
        </p>
      </div>
    );
  return (
    <div className="panel">
      <h2>Prices and sharing</h2>
      <QueryState query={view} empty="">
        {(v) => (
          <>
            <p data-testid="price-in-effect">
              In effect: {formatPrice(v.price)}
            </p>
            <table>
              <thead>
                <tr>
                  <th>List price</th>
                  <th>Region</th>
                  <th className="num">vCPU-hour</th>
                  <th className="num">GiB-hour</th>
                </tr>
              </thead>
              <tbody>
                {v.listPrices.map((p) => (
                  <tr key={`${p.provider}-${p.family}`}>
                    <td>
                      {p.provider} {p.family}
                    </td>
                    <td>{p.region}</td>
                    <td className="num">
                      {formatMicroUsd(p.cpuCoreHourMicroUsd, {
                        fractionDigits: 4,
                      })}
                    </td>
                    <td className="num">
                      {formatMicroUsd(p.memoryGibHourMicroUsd, {
                        fractionDigits: 4,
                      })}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
            {canEdit ? <SettingsForm view={v} /> : null}
          </>
        )}
      </QueryState>
    </div>
  );
}
