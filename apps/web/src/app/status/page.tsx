import { getStatus } from "~/server/system";

export const dynamic = "force-dynamic";

export default async function StatusPage() {
  const status = await getStatus();
  return (
    <div style={{ maxWidth: 720, margin: "40px auto" }}>
      <h1>Kubewise status</h1>
      <div className="panel">
        <table>
          <tbody>
            <tr>
              <th>database</th>
              <td
                data-testid="status-database"
                className={status.database.ok ? "ok" : "error"}
              >
                {status.database.ok
                  ? "database: ok"
                  : `database: error — ${status.database.error}`}
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
      </div>
      <p>
        <a href="/">Dashboard</a>
      </p>
    </div>
  );
}
