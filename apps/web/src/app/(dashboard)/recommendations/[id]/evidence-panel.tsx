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

/** Why the recommendation says what it says: the rules that fired, the confidence's factors, the evidence. */
export function EvidencePanel({ detail }: { detail: Detail }) {
  const entries = Object.entries(detail.evidence);
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
