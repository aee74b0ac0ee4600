export { listAuditEntries, type AuditEntryView } from "./list";
export { verifyAuditChain, type AuditChainVerification } from "./verify";
export * from "./schemas";
