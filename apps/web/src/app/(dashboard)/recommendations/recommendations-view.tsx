"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import Link from "next/link";
import { useState } from "react";

import {
  formatMicroUsd,
  formatPercent,
  RECOMMENDATION_PHASES,
} from "@kubewise/core";
import type { RecommendationPhase } from "@kubewise/core";

import { useClusterSelection } from "~/components/cluster-selector";
import { QueryState } from "~/components/query-state";
import { Change } from "~/components/resources";
import { useTRPC } from "~/trpc/react";
import type { RouterOutputs } from "~/trpc/types";
import {
  BulkApproveDialog,
  BulkResult,
  DecideButtons,
  DecisionDialog,
} from "./decision-dialog";
import type { Decision } from "./decision-dialog";
import { CsvExportLink, PAGE_SIZE, Pager } from "./pager";

type Item = RouterOutputs["recommendation"]["list"]["items"][number];
type Sort = "savings_desc" | "savings_asc";

export function RecommendationsView({
  canApprove,
  initialNamespace,
}: {
  canApprove: boolean;
  /** From `?namespace=` (links from the anomalies page). */
  initialNamespace: string;
}) {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [namespace, setNamespace] = useState(initialNamespace);
  const [phase, setPhase] = useState<RecommendationPhase | "">("Pending");
  const [minConfidence, setMinConfidence] = useState(0);
  const [sort, setSort] = useState<Sort>("savings_desc");
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [deciding, setDeciding] = useState<
    { item: Item; decision: Decision } | undefined
  >();
  const [confirmBulk, setConfirmBulk] = useState(false);
  const [offset, setOffset] = useState(0);
  const filtered =
    <T,>(set: (value: T) => void) =>
    (value: T) => {
      set(value);
      setOffset(0);
    };
  const clusters = useClusterSelection();
  // Another cluster is another list: back to its first page, and nothing of the old one selected
  // (React's "adjust state when a prop changes": the selector only changes the URL).
  const [listedCluster, setListedCluster] = useState(clusters.cluster);
  if (listedCluster !== clusters.cluster) {
    setListedCluster(clusters.cluster);
    setOffset(0);
    setSelected(new Set());
  }
  const input = {
    ...clusters.input,
    namespace: namespace.trim() === "" ? undefined : namespace.trim(),
    phase: phase === "" ? undefined : [phase],
    minConfidence: minConfidence > 0 ? minConfidence : undefined,
    sort,
    limit: PAGE_SIZE,
    offset,
  };
  const list = useQuery(trpc.recommendation.list.queryOptions(input));
  const invalidate = () => {
    setSelected(new Set());
    return queryClient.invalidateQueries({
      queryKey: trpc.recommendation.pathKey(),
    });
  };
  const bulkApprove = useMutation(
    trpc.recommendation.bulkApprove.mutationOptions({
      onSuccess: () => {
        setConfirmBulk(false);
        return invalidate();
      },
    }),
  );
  const mutationError = bulkApprove.error;

  const toggle = (id: string) =>
    setSelected((current) => {
      const next = new Set(current);
      if (next.has(id)) next.delete(id);
      else next.add(id);
      return next;
    });

  return (
    <>
      <div className="filters" role="search">
        <label>
          Namespace
          <input
            aria-label="Namespace filter"
            value={namespace}
            onChange={(e) => filtered(setNamespace)(e.target.value)}
            placeholder="all"
          />
        </label>
        <label>
          Phase
          <select
            aria-label="Phase filter"
            value={phase}
            onChange={(e) =>
              filtered(setPhase)(e.target.value as RecommendationPhase | "")
            }
          >
            <option value="">all</option>
            {RECOMMENDATION_PHASES.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        <label>
          Min confidence
          <select
            aria-label="Minimum confidence"
            value={minConfidence}
            onChange={(e) => filtered(setMinConfidence)(Number(e.target.value))}
          >
            {[0, 0.5, 0.8, 0.9, 0.95].map((value) => (
              <option key={value} value={value}>
                {value === 0
                  ? "any"
                  : formatPercent(value, { fractionDigits: 0 })}
              </option>
            ))}
          </select>
        </label>
        <label>
          Sort
          <select
            aria-label="Sort"
            value={sort}
            onChange={(e) => filtered(setSort)(e.target.value as Sort)}
          >
            <option value="savings_desc">savings, highest first</option>
            <option value="savings_asc">savings, lowest first</option>
          </select>
        </label>
        <CsvExportLink
          filters={{
            cluster: clusters.cluster,
            namespace: input.namespace,
            phase: input.phase?.join(","),
            minConfidence: input.minConfidence,
            sort,
          }}
        />
        {canApprove ? (
          <button
            type="button"
            className="primary"
            disabled={selected.size === 0 || bulkApprove.isPending}
            onClick={() => setConfirmBulk(true)}
          >
            Approve selected ({selected.size})
          </button>
        ) : null}
      </div>
      {confirmBulk ? (
        <BulkApproveDialog
          count={selected.size}
          pending={bulkApprove.isPending}
          onConfirm={() => bulkApprove.mutate({ ids: [...selected] })}
          onClose={() => setConfirmBulk(false)}
        />
      ) : null}
      {bulkApprove.data ? <BulkResult result={bulkApprove.data} /> : null}
      {mutationError ? (
        <p className="error" data-testid="mutation-error">
          {mutationError.message}
        </p>
      ) : null}
      <QueryState
        query={list}
        isEmpty={(page) => page.items.length === 0}
        empty="No recommendations match these filters."
      >
        {(page) => (
          <div className="panel">
            <p data-testid="recommendation-total">
              {page.total} recommendations
            </p>
            <div className="table-scroll">
              <table data-testid="recommendations-table">
                <thead>
                  <tr>
                    {canApprove ? <th aria-label="Select" /> : null}
                    {clusters.multi ? <th>Cluster</th> : null}
                    <th>Workload · container</th>
                    <th className="num">CPU request (vCPU)</th>
                    <th className="num">CPU limit (vCPU)</th>
                    <th className="num">Memory request</th>
                    <th className="num">Memory limit</th>
                    <th className="num">Confidence</th>
                    <th className="num">Monthly savings</th>
                    <th>Phase</th>
                    {canApprove ? <th>Actions</th> : null}
                  </tr>
                </thead>
                <tbody>
                  {page.items.map((item) => (
                    <tr
                      key={item.id}
                      data-testid={`recommendation-row-${item.id}`}
                    >
                      {canApprove ? (
                        <td>
                          {item.phase === "Pending" ? (
                            <input
                              type="checkbox"
                              aria-label={`Select ${item.workloadName}/${item.containerName}`}
                              checked={selected.has(item.id)}
                              onChange={() => toggle(item.id)}
                            />
                          ) : null}
                        </td>
                      ) : null}
                      {clusters.multi ? (
                        <td data-testid="cluster-cell">
                          {clusters.nameOf(item.clusterId)}
                        </td>
                      ) : null}
                      <td data-testid="workload-cell">
                        <Link href={`/recommendations/${item.id}`}>
                          {item.workloadName}
                        </Link>{" "}
                        · {item.containerName}
                        <span className="sub" data-testid="namespace">
                          {item.namespace} · {item.workloadKind}
                        </span>
                      </td>
                      <td className="num">
                        <Change
                          resource="cpu"
                          current={item.current.cpuRequestMillicores}
                          recommended={item.recommended.cpuRequestMillicores}
                        />
                      </td>
                      <td className="num">
                        <Change
                          resource="cpu"
                          current={item.current.cpuLimitMillicores}
                          recommended={item.recommended.cpuLimitMillicores}
                        />
                      </td>
                      <td className="num">
                        <Change
                          resource="memory"
                          current={item.current.memoryRequestBytes}
                          recommended={item.recommended.memoryRequestBytes}
                        />
                      </td>
                      <td className="num">
                        <Change
                          resource="memory"
                          current={item.current.memoryLimitBytes}
                          recommended={item.recommended.memoryLimitBytes}
                        />
                      </td>
                      <td className="num">{formatPercent(item.confidence)}</td>
                      <td className="num" data-testid="savings">
                        {formatMicroUsd(item.projectedMonthlySavingsMicroUsd)}
                      </td>
                      <td>
                        <span
                          className={`badge ${item.phase}`}
                          data-testid="phase"
                        >
                          {item.phase}
                        </span>
                      </td>
                      {canApprove ? (
                        <td>
                          {item.phase === "Pending" ? (
                            <DecideButtons
                              onDecide={(decision) =>
                                setDeciding({ item, decision })
                              }
                            />
                          ) : null}
                        </td>
                      ) : null}
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <Pager
              offset={offset}
              shown={page.items.length}
              total={page.total}
              onOffset={setOffset}
            />
          </div>
        )}
      </QueryState>
      {deciding ? (
        <DecisionDialog
          decision={deciding.decision}
          recommendationId={deciding.item.id}
          label={`${deciding.item.workloadName}/${deciding.item.containerName}`}
          onClose={() => setDeciding(undefined)}
          onDone={() => {
            setDeciding(undefined);
            void invalidate();
          }}
        />
      ) : null}
    </>
  );
}
