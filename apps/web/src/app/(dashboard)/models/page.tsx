"use client";

import { useQuery } from "@tanstack/react-query";

import { GroupedBarChart } from "~/components/charts";
import { QueryState } from "~/components/query-state";
import { useTRPC } from "~/trpc/react";

const when = (date: Date | null): string =>
  date === null ? "—" : date.toISOString().slice(0, 16).replace("T", " ");
const loss = (value: number | null): string =>
  value === null ? "—" : value.toFixed(4);
const orDash = (value: number | null): string =>
  value === null ? "—" : String(value);

export default function ModelsPage() {
  const trpc = useTRPC();
  const registry = useQuery(trpc.model.registry.queryOptions({}));
  return (
    <>
      <h1>Models</h1>
      <p className="muted">
        The forecaster agents score with, improved by federated rounds: agents
        train on their own history and send only clipped model deltas; a
        candidate becomes active only after a non-inferiority gate (agents&apos;
        evaluation and the aggregator&apos;s holdout) and a canary.
      </p>
      <QueryState
        query={registry}
        isEmpty={(view) => view.versions.length === 0}
        empty="No model versions yet: the aggregator seeds the registry when federated training is enabled."
      >
        {(view) => (
          <>
            <h2>Versions</h2>
            <div className="panel">
              <table data-testid="model-versions-table">
                <thead>
                  <tr>
                    <th className="num">Version</th>
                    <th>Status</th>
                    <th>Source</th>
                    <th className="num">Parent</th>
                    <th className="num">Agents</th>
                    <th className="num">Val. loss before</th>
                    <th className="num">Val. loss after</th>
                    <th className="num">Gate (agents)</th>
                    <th className="num">Gate (holdout)</th>
                    <th>Since</th>
                    <th>Reason</th>
                  </tr>
                </thead>
                <tbody>
                  {view.versions.map((v) => (
                    <tr key={v.version} data-testid={`model-row-${v.version}`}>
                      <td className="num">{v.version}</td>
                      <td data-testid="model-status">{v.status}</td>
                      <td>{v.source}</td>
                      <td className="num">{orDash(v.parentVersion)}</td>
                      <td className="num">{v.participants}</td>
                      <td className="num">{loss(v.validationLossBefore)}</td>
                      <td className="num">{loss(v.validationLossAfter)}</td>
                      <td className="num">{loss(v.gateFederatedUpper)}</td>
                      <td className="num">{loss(v.gateCentralUpper)}</td>
                      <td>{when(v.statusChangedAt)}</td>
                      <td>{v.statusReason ?? ""}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <h2>Local validation loss per federated version</h2>
            <div className="panel">
              <GroupedBarChart
                testId="model-loss-chart"
                names={["before local training", "after local training"]}
                formatValue={(value) => value.toFixed(3)}
                data={view.versions
                  .filter(
                    (v) =>
                      v.validationLossBefore !== null &&
                      v.validationLossAfter !== null,
                  )
                  .map((v) => ({
                    label: `v${v.version}`,
                    first: v.validationLossBefore ?? 0,
                    second: v.validationLossAfter ?? 0,
                  }))
                  .reverse()}
              />
            </div>
            <h2>Rounds</h2>
            <div className="panel">
              <table data-testid="model-rounds-table">
                <thead>
                  <tr>
                    <th className="num">Round</th>
                    <th>Kind</th>
                    <th>Status</th>
                    <th>Models</th>
                    <th className="num">Selected</th>
                    <th className="num">Answered</th>
                    <th className="num">Refused</th>
                    <th className="num">Missing</th>
                    <th>Opened</th>
                    <th>Closed</th>
                    <th>Result</th>
                  </tr>
                </thead>
                <tbody>
                  {view.rounds.map((r) => (
                    <tr key={r.id} data-testid={`round-row-${r.id}`}>
                      <td className="num">{r.id}</td>
                      <td>
                        {r.kind === "train"
                          ? "training"
                          : `evaluation (${r.purpose})`}
                      </td>
                      <td>{r.status}</td>
                      <td>
                        {r.candidateVersion === null
                          ? `from v${r.baseVersion}`
                          : `v${r.candidateVersion} vs v${r.baseVersion}`}
                      </td>
                      <td className="num">{r.selected}</td>
                      <td className="num">{orDash(r.accepted)}</td>
                      <td className="num">{orDash(r.refused)}</td>
                      <td className="num">{orDash(r.missing)}</td>
                      <td>{when(r.openedAt)}</td>
                      <td>
                        {r.status === "open"
                          ? `deadline ${when(r.deadlineAt)}`
                          : when(r.closedAt)}
                      </td>
                      <td>{r.result ?? ""}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
            <h2>Agents</h2>
            <div className="panel">
              <table data-testid="model-agents-table">
                <thead>
                  <tr>
                    <th>Agent</th>
                    <th>Runs</th>
                    <th className="num">Training windows</th>
                    <th>Last poll</th>
                  </tr>
                </thead>
                <tbody>
                  {view.agents.map((a) => (
                    <tr key={a.agentId}>
                      <td>{a.agentId}</td>
                      <td>
                        {a.modelVersion === null
                          ? "shipped model"
                          : `v${a.modelVersion}`}
                      </td>
                      <td className="num">{a.trainableExamples}</td>
                      <td>{when(a.reportedAt)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          </>
        )}
      </QueryState>
    </>
  );
}
