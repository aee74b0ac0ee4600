"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { HPA_MODES, type NamespaceSafetyConfig } from "@kubewise/core";

import { QueryState } from "~/components/query-state";
import { useTRPC } from "~/trpc/react";

const HPA_MODE_LABELS: Record<NamespaceSafetyConfig["hpaMode"], string> = {
  "leave-alone": "leave-alone: keep the request the HPA scales on",
  retarget:
    "retarget: move the request and the HPA's target together (advice only)",
};

function ConfigForm({
  clusterId,
  namespace,
  initial,
  canEdit,
}: {
  clusterId: string;
  namespace: string;
  initial: NamespaceSafetyConfig;
  canEdit: boolean;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [config, setConfig] = useState(initial);
  const save = useMutation(
    trpc.safety.put.mutationOptions({
      onSuccess: () =>
        queryClient.invalidateQueries({
          queryKey: trpc.safety.get.pathKey(),
        }),
    }),
  );
  const toggle = (
    key: "dryRunEnabled" | "requireApproval" | "autoApplyEnabled",
  ) => (
    <label style={{ flexDirection: "row", alignItems: "center", gap: 8 }}>
      <input
        type="checkbox"
        name={key}
        checked={config[key]}
        disabled={!canEdit}
        onChange={(e) => setConfig({ ...config, [key]: e.target.checked })}
      />
      {key}
    </label>
  );
  return (
    <form
      className="panel"
      aria-label={`Safety settings for ${namespace}`}
      onSubmit={(event) => {
        event.preventDefault();
        save.mutate({ clusterId, namespace, config });
      }}
      style={{
        display: "flex",
        flexDirection: "column",
        gap: 12,
        maxWidth: 480,
      }}
    >
      {toggle("dryRunEnabled")}
      {toggle("requireApproval")}
      {toggle("autoApplyEnabled")}
      <label>
        autoApplyMinConfidence
        <input
          type="number"
          name="autoApplyMinConfidence"
          min={0}
          max={1}
          step={0.01}
          value={config.autoApplyMinConfidence}
          disabled={!canEdit}
          onChange={(e) =>
            setConfig({
              ...config,
              autoApplyMinConfidence: Number(e.target.value),
            })
          }
        />
      </label>
      <label>
        hpaMode (requests under a CPU/memory-utilisation HPA)
        <select
          name="hpaMode"
          value={config.hpaMode}
          disabled={!canEdit}
          onChange={(e) =>
            setConfig({
              ...config,
              hpaMode: e.target.value as NamespaceSafetyConfig["hpaMode"],
            })
          }
        >
          {HPA_MODES.map((mode) => (
            <option key={mode} value={mode}>
              {HPA_MODE_LABELS[mode]}
            </option>
          ))}
        </select>
      </label>
      {canEdit ? (
        <button type="submit" className="primary" disabled={save.isPending}>
          Save
        </button>
      ) : (
        <p className="state">Only admins can change safety settings.</p>
      )}
      {save.isSuccess ? (
        <p className="ok" data-testid="safety-saved">
          Saved.
        </p>
      ) : null}
      {save.error ? <p className="error">{save.error.message}</p> : null}
    </form>
  );
}

export function SafetySettings({
  namespaces,
  canEdit,
  cluster,
}: {
  namespaces: string[];
  canEdit: boolean;
  /** The selected cluster's name (undefined: the only cluster). */
  cluster?: string | undefined;
}) {
  const trpc = useTRPC();
  const [namespace, setNamespace] = useState(namespaces[0] ?? "");
  const config = useQuery({
    ...trpc.safety.get.queryOptions({ namespace, cluster }),
    enabled: namespace !== "",
  });
  if (namespaces.length === 0)
    return (
      <div className="state" data-testid="empty-state">
        No namespaces with workloads yet.
      </div>
    );
  return (
    <>
      <div className="filters">
        <label>
          Namespace
          <select
            aria-label="Namespace"
            value={namespace}
            onChange={(e) => setNamespace(e.target.value)}
          >
            {namespaces.map((ns) => (
              <option key={ns} value={ns}>
                {ns}
              </option>
            ))}
          </select>
        </label>
      </div>
      <QueryState query={config} empty="">
        {(view) => (
          <>
            <p data-testid="safety-source">
              {view.isDefault
                ? "Defaults (never configured)"
                : `Configured ${view.updatedAt?.toISOString() ?? ""}`}
            </p>
            <ConfigForm
              key={`${view.clusterId}/${namespace}`}
              clusterId={view.clusterId}
              namespace={namespace}
              initial={view.config}
              canEdit={canEdit}
            />
          </>
        )}
      </QueryState>
    </>
  );
}
