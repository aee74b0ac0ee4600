import {
  AUDIT_GENESIS_HASH,
  computeAuditHash,
  type ChainedAuditRecord,
} from "./canonical";

export type AuditChainResult =
  { ok: true } | { ok: false; index: number; reason: string };

export type VerifyAuditChainOptions = {
  /** prev_hash of the first row; the genesis hash when verifying from the start. */
  startHash?: string;
  /** The recorded chain head; detects rows removed from the end. */
  expectedLastHash?: string;
};

/** Pure: rows in id order. Returns the index of the first row that breaks the chain. */
export function verifyAuditChain(
  rows: readonly ChainedAuditRecord[],
  options: VerifyAuditChainOptions = {},
): AuditChainResult {
  let expectedPrev = options.startHash ?? AUDIT_GENESIS_HASH;
  let previousId = -Infinity;
  for (const [index, row] of rows.entries()) {
    const problem = findProblem(row, expectedPrev, previousId);
    if (problem !== undefined) return { ok: false, index, reason: problem };
    expectedPrev = row.hash;
    previousId = row.id;
  }
  if (
    options.expectedLastHash !== undefined &&
    options.expectedLastHash !== expectedPrev
  ) {
    return {
      ok: false,
      index: rows.length,
      reason: "chain ends before the recorded head",
    };
  }
  return { ok: true };
}

function findProblem(
  row: ChainedAuditRecord,
  expectedPrev: string,
  previousId: number,
): string | undefined {
  if (row.id <= previousId) return `id ${row.id} is out of order`;
  if (row.prevHash !== expectedPrev) {
    return `row ${row.id} does not link to the previous row`;
  }
  if (computeAuditHash(row) !== row.hash) {
    return `row ${row.id} does not match its hash`;
  }
  return undefined;
}
