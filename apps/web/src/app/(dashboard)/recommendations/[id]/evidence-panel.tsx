import { formatPercent } from "@kubewise/core";

import type { Detail } from "./usage-series";

/** An evidence value for reading: numbers rounded, lists joined, empty as a dash. */
function show(value: Detail["evidence"][string]): string {
  if (value === null || value === "") return "—";
  if (Array.isArray(value))
    return value.length === 0 ? "none" : value.join("; ");
  if (typeof value === "number")
    return Number.isInteger(value) ? String(value) : value.toPrecision(4);
  return String(value);
}

const list = (value: Detail["evidence"][string] | undefined): string[] =>
  Array.isArray(value) ? value.map(String) : [];

/** The HPA that scales the workload and what this recommendation does about it (issue 13 item 6). */
function HpaSection({ evidence }: { evidence: Detail["evidence"] }) {
  if (typeof evidence.hpa !== "string") return null;
  const plan = list(evidence.hpaPlan);
  const retarget = list(evidence.hpaRetarget);
  return (
    <div data-testid="recommendation-hpa">
      <h2 style={{ marginTop: 16 }}>HorizontalPodAutoscaler</h2>
      <p>
        <strong>{evidence.hpa}</strong>
        {typeof evidence.hpaMode === "string"
          ? ` · namespace HPA mode ${evidence.hpaMode}`
          : null}
      </p>
      {list(evidence.hpaMetrics).length > 0 ? (
        <p>Scales on: {list(evidence.hpaMetrics).join("; ")}</p>
      ) : null}
      <p>What Kubewise does with it:</p>
      <ul data-testid="recommendation-hpa-plan">
        {plan.length === 0 ? (
          <li>
            nothing: its metrics do not depend on this container&apos;s requests
          </li>
        ) : (
          plan.map((line) => <li key={line}>{line}</li>)
        )}
        {retarget.length > 0 ? (
          <li>
            The HPA must change with the request ({retarget.join("; ")});
            Kubewise does not write HPAs, so this version is advice to apply
            through the HPA&apos;s owner.
          </li>
        ) : null}
      </ul>
    </div>
  );
}

/** Why the recommendation says what it says: the rules that fired, the confidence's factors, the evidence. */
export function EvidencePanel({ detail }: { detail: Detail }) {
  // The HPA's keys have their own section.
  const entries = Object.entries(detail.evidence).filter(
    ([key]) => !key.startsWith("hpa"),
  );
  return (
    <div className="panel" data-testid="recommendation-evidence">
      <h2>Why these values</h2>
      {detail.reasons.length === 0 ? (
        <p className="state">No sizing rule changed the statistics.</p>
      ) : (
        <ul data-testid="recommendation-reasons">
          {detail.reasons.map((reason) => (
            <li key={reason}>{reason}</li>
          ))}
        </ul>
      )}
      <h2 style={{ marginTop: 16 }}>
        Confidence {formatPercent(detail.confidence)}
      </h2>
      {detail.confidenceFactors.length === 0 ? (
        <p className="state">
          This policy states no factors for its confidence.
        </p>
      ) : (
        <ul data-testid="confidence-factors">
          {detail.confidenceFactors.map((f) => (
            <li key={f.name}>
              {f.effect === "raises" ? "▲" : "▼"} {f.text}
            </li>
          ))}
        </ul>
      )}
      <HpaSection evidence={detail.evidence} />
      <h2 style={{ marginTop: 16 }}>Computed from</h2>
      {entries.length === 0 ? (
        <p className="state">No evidence was recorded with this version.</p>
      ) : (
        <table>
          <tbody>
            {entries.map(([key, value]) => (
              <tr key={key}>
                <td>{key}</td>
                <td className="num">{show(value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </div>
  );
}
