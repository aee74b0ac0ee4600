import { databaseProbe } from "./auth/database";
import { getSystemStatus } from "./status";
import type { SystemStatus } from "./status";

export function getStatus(): Promise<SystemStatus> {
  return getSystemStatus(databaseProbe, () => new Date());
}
