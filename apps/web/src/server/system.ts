import { databaseProbe } from "./db";
import { clock } from "./services";
import { getSystemStatus } from "./status";
import type { SystemStatus } from "./status";

export function getStatus(): Promise<SystemStatus> {
  return getSystemStatus(databaseProbe, () => clock.now());
}
