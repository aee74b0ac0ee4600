type IngestStats = Record<string, number | string | null>;

export type DatabaseProbe = {
  schemaVersion: () => Promise<string>;
  /** Undefined when the ingest pipeline does not expose stats (yet). */
  ingestStats: (() => Promise<IngestStats>) | undefined;
};

export type SystemStatus = {
  database: { ok: true; schemaVersion: string } | { ok: false; error: string };
  ingest: IngestStats | undefined;
  checkedAt: Date;
};

const PROBE_DEADLINE_MS = 3_000;

function withDeadline<T>(promise: Promise<T>, deadlineMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () => reject(new Error(`no answer within ${deadlineMs} ms`)),
      deadlineMs,
    );
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === "string" && !error.message.includes(code)
      ? `${error.message} (${code})`
      : error.message;
  }
  return String(error);
}

export async function getSystemStatus(
  probe: DatabaseProbe,
  now: () => Date,
): Promise<SystemStatus> {
  try {
    const schemaVersion = await withDeadline(
      probe.schemaVersion(),
      PROBE_DEADLINE_MS,
    );
    const ingest = probe.ingestStats
      ? await withDeadline(probe.ingestStats(), PROBE_DEADLINE_MS)
      : undefined;
    return { database: { ok: true, schemaVersion }, ingest, checkedAt: now() };
  } catch (error) {
    return {
      database: { ok: false, error: describe(error) },
      ingest: undefined,
      checkedAt: now(),
    };
  }
}

/** What anonymous callers may see: no error texts, versions or ingest numbers. */
export type PublicStatus = { status: "ok" | "degraded" };

export function toPublicStatus(status: SystemStatus): PublicStatus {
  return { status: status.database.ok ? "ok" : "degraded" };
}
