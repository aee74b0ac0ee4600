import { getSessionUser } from "~/server/auth/session";
import { toPublicStatus } from "~/server/status";
import type { SystemStatus } from "~/server/status";
import { getStatus } from "~/server/system";

export const dynamic = "force-dynamic";

function Details({ status }: { status: SystemStatus }) {
  return (
    <table>
      <tbody>
        <tr>
          <th>database</th>
          <td data-testid="status-database-detail">
            {status.database.ok ? "ok" : `error — ${status.database.error}`}
          </td>
        </tr>
        <tr>
          <th>schema version</th>
          <td data-testid="status-schema-version">
            {status.database.ok ? status.database.schemaVersion : "unknown"}
          </td>
        </tr>
        {status.ingest
          ? Object.entries(status.ingest).map(([key, value]) => (
              <tr key={key}>
                <th>ingest: {key}</th>
                <td data-testid={`status-ingest-${key}`}>
                  {value === null ? "—" : String(value)}
                </td>
              </tr>
            ))
          : null}
        <tr>
          <th>checked at</th>
          <td>{status.checkedAt.toISOString()}</td>
        </tr>
      </tbody>
    </table>
  );
}

// Anonymous visitors learn only ok/degraded; the details (error text, schema, ingest) need a login.
export default async function StatusPage() {
  const [status, user] = await Promise.all([getStatus(), getSessionUser()]);
  const { status: overall } = toPublicStatus(status);
  return (
    <div style={{ maxWidth: 720, margin: "40px auto" }}>
      <h1>Kubewise status</h1>
      <div className="panel">
        <p
          data-testid="status-overall"
          className={overall === "ok" ? "ok" : "error"}
        >
          {overall}
        </p>
        {user ? (
          <Details status={status} />
        ) : (
          <p style={{ color: "var(--muted)" }}>
            <a href="/login?callbackUrl=%2Fstatus">Sign in</a> for details.
          </p>
        )}
      </div>
      <p>
        <a href="/">Dashboard</a>
      </p>
    </div>
  );
}
