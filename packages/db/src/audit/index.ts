export {
  AUDIT_GENESIS_HASH,
  computeAuditHash,
  toCanonicalJson,
  type AuditRecord,
  type ChainedAuditRecord,
} from "./canonical";
export {
  verifyAuditChain,
  type AuditChainResult,
  type VerifyAuditChainOptions,
} from "./verify";
export {
  appendAudit,
  appendAuditEntries,
  verifyStoredAuditChain,
  type AuditEntryInput,
} from "./append";
