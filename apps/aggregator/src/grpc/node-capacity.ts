import { ValidationError, type FieldErrors } from "@kubewise/core";
import type { agentV1 } from "@kubewise/proto";

import type { AgentNode } from "../domain/batch";

const MAX_NODE_NAME = 253;
const MAX_CPU_MILLICORES = 10_000_000;
const MAX_MEMORY_BYTES = 2 ** 50;

const countProblem = (value: number, max: number) =>
  Number.isSafeInteger(value) && value >= 1 && value <= max
    ? []
    : [`must be an integer in [1, ${max}], got ${String(value)}`];

/**
 * The agent's node for Register: absent without a node name or capacity (replay, synthetic, older
 * agents); a capacity out of range is a ValidationError (INVALID_ARGUMENT).
 */
export function nodeOf(
  nodeName: string,
  capacity: agentV1.NodeCapacity | undefined,
): { node?: AgentNode } {
  if (capacity === undefined || nodeName.length === 0) return {};
  const fields: FieldErrors = {};
  if (nodeName.length > MAX_NODE_NAME)
    fields.nodeName = [`must be at most ${MAX_NODE_NAME} characters`];
  const { cpuMillicores, memoryBytes } = capacity;
  fields["nodeCapacity.cpuMillicores"] = countProblem(
    cpuMillicores,
    MAX_CPU_MILLICORES,
  );
  fields["nodeCapacity.memoryBytes"] = countProblem(
    memoryBytes,
    MAX_MEMORY_BYTES,
  );
  const problems = Object.entries(fields).filter(([, m]) => m.length > 0);
  if (problems.length > 0)
    throw new ValidationError(
      `invalid node: ${problems.map(([field, messages]) => `${field} ${messages.join(", ")}`).join("; ")}`,
      { fieldErrors: Object.fromEntries(problems) },
    );
  return { node: { name: nodeName, cpuMillicores, memoryBytes } };
}
