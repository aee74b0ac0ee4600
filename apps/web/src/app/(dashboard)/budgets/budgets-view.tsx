"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { formatMicroUsd, formatPercent } from "@kubewise/core";

import { useClusterSelection } from "~/components/cluster-selector";
import { QueryState } from "~/components/query-state";
import { useTRPC } from "~/trpc/react";

function BudgetForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [scope, setScope] = useState("");
  const [usd, setUsd] = useState("");
  const create = useMutation(
    trpc.budget.create.mutationOptions({
      onSuccess: () =>
        queryClient.invalidateQueries({ queryKey: trpc.budget.pathKey() }),
    }),
  );
  return (
    <form
      className="filters"
      aria-label="New budget"
      onSubmit={(event) => {
        event.preventDefault();
        const label = /^([^=]+)=(.+)$/.exec(scope.trim());
        create.mutate({
          name,
          scopeKind: label ? "label" : "namespace",
          scopeKey: label?.[1],
          scopeValue: label?.[2] ?? scope.trim(),
          monthlyLimitMicroUsd: Math.round(Number(usd) * 1_000_000),
        });
      }}
    >
      <label>
        Name
        <input
          aria-label="Budget name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          required
        />
      </label>
      <label>
        Namespace, or label key=value
        <input
          aria-label="Budget scope"
          value={scope}
          onChange={(e) => setScope(e.target.value)}
          placeholder="shop or team=payments"
          required
        />
      </label>
      <label>
        Monthly limit (USD)
        <input
          aria-label="Monthly limit"
          type="number"
          min="1"
          step="0.01"
          value={usd}
          onChange={(e) => setUsd(e.target.value)}
          required
        />
      </label>
      <button type="submit" className="primary" disabled={create.isPending}>
        Add budget
      </button>
      {create.error ? <p className="error">{create.error.message}</p> : null}
    </form>
  );
}

function ChannelForm() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [kind, setKind] = useState<"webhook" | "slack" | "email">("slack");
  const [target, setTarget] = useState("");
  const create = useMutation(
    trpc.budget.createChannel.mutationOptions({
      onSuccess: () =>
        queryClient.invalidateQueries({
          queryKey: trpc.budget.channels.queryKey(),
        }),
    }),
  );
  return (
    <form
      className="filters"
      aria-label="New notification channel"
      onSubmit={(event) => {
        event.preventDefault();
        create.mutate({ name, kind, target });
      }}
    >
      <label>
        Name
        <input
          aria-label="Channel name"
          value={name}
          onChange={(e) => setName(e.target.value)}
          required
        />
      </label>
      <label>
        Kind
        <select
          aria-label="Channel kind"
          value={kind}
          onChange={(e) => setKind(e.target.value as typeof kind)}
        >
          <option value="slack">Slack webhook</option>
          <option value="webhook">webhook (JSON)</option>
          <option value="email">e-mail (SMTP)</option>
        </select>
      </label>
      <label>
        URL or addresses
        <input
          aria-label="Channel target"
          value={target}
          onChange={(e) => setTarget(e.target.value)}
          required
        />
      </label>
      <button type="submit" disabled={create.isPending}>
        Add channel
      </button>
      {create.error ? <p className="error">{create.error.message}</p> : null}
    </form>
  );
}

function Channels() {
  const trpc = useTRPC();
  const channels = useQuery(trpc.budget.channels.queryOptions({}));
  return (
    <div className="panel">
      <h2>Notification channels</h2>
      <QueryState
        query={channels}
        isEmpty={(rows) => rows.length === 0}
        empty="No channels: alerts show here only."
      >
        {(rows) => (
          <ul data-testid="channels">
            {rows.map((c) => (
              <li key={c.id}>
                {c.name} · {c.kind} · {c.target}
              </li>
            ))}
          </ul>
        )}
      </QueryState>
      <ChannelForm />
    </div>
  );
}

export function BudgetsView({
  canEdit,
  canSeeChannels,
}: {
  canEdit: boolean;
  canSeeChannels: boolean;
}) {
  const trpc = useTRPC();
  const { input, multi, nameOf } = useClusterSelection();
  const budgets = useQuery(trpc.budget.list.queryOptions(input));
  const alerts = useQuery(trpc.budget.alerts.queryOptions(input));
  return (
    <>
      <div className="panel">
        <h2>Monthly budgets</h2>
        <QueryState
          query={budgets}
          isEmpty={(rows) => rows.length === 0}
          empty="No budgets yet."
        >
          {(rows) => (
            <table data-testid="budgets-table">
              <thead>
                <tr>
                  {multi ? <th>Cluster</th> : null}
                  <th>Budget</th>
                  <th>Scope</th>
                  <th className="num">Limit</th>
                  <th className="num">Month to date</th>
                  <th className="num">Month-end forecast</th>
                  <th className="num">Forecast / limit</th>
                </tr>
              </thead>
              <tbody>
                {rows.map((b) => (
                  <tr key={b.id}>
                    {multi ? <td>{nameOf(b.clusterId)}</td> : null}
                    <td>{b.name}</td>
                    <td>
                      {b.scopeKind === "label"
                        ? `${b.scopeKey ?? ""}=${b.scopeValue}`
                        : b.scopeValue}
                    </td>
                    <td className="num">
                      {formatMicroUsd(b.monthlyLimitMicroUsd)}
                    </td>
                    <td className="num">
                      {formatMicroUsd(b.monthToDateMicroUsd)}
                    </td>
                    <td className="num">
                      {formatMicroUsd(b.forecastMicroUsd)}
                    </td>
                    <td className={`num ${b.forecastRatio > 1 ? "error" : ""}`}>
                      {formatPercent(b.forecastRatio)}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          )}
        </QueryState>
        {canEdit ? <BudgetForm /> : null}
      </div>
      <div className="panel">
        <h2>Alerts</h2>
        <QueryState
          query={alerts}
          isEmpty={(rows) => rows.length === 0}
          empty="No alerts."
        >
          {(rows) => (
            <ul data-testid="alerts">
              {rows.map((a) => (
                <li key={a.id}>
                  <span className="badge">{a.kind}</span> {a.title} ·{" "}
                  {a.openedAt.toISOString().slice(0, 16).replace("T", " ")}
                </li>
              ))}
            </ul>
          )}
        </QueryState>
      </div>
      {canSeeChannels ? <Channels /> : null}
    </>
  );
}
