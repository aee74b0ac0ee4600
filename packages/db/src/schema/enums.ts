import { pgEnum } from "drizzle-orm/pg-core";

import { RECOMMENDATION_PHASES } from "@kubewise/core";

export {
  RECOMMENDATION_PHASES,
  type RecommendationPhase,
} from "@kubewise/core";

export const USER_ROLES = ["viewer", "approver", "admin"] as const;
export type UserRole = (typeof USER_ROLES)[number];

export const APPROVAL_DECISIONS = ["approved", "rejected"] as const;
export type ApprovalDecision = (typeof APPROVAL_DECISIONS)[number];

export const ANOMALY_KINDS = ["leak", "cpu_spike", "oom_risk"] as const;
export type AnomalyKind = (typeof ANOMALY_KINDS)[number];

export const ANOMALY_SEVERITIES = ["info", "warning", "critical"] as const;
export type AnomalySeverity = (typeof ANOMALY_SEVERITIES)[number];

export const recommendationPhase = pgEnum(
  "recommendation_phase",
  RECOMMENDATION_PHASES,
);
export const userRole = pgEnum("user_role", USER_ROLES);
export const approvalDecision = pgEnum("approval_decision", APPROVAL_DECISIONS);
export const anomalyKind = pgEnum("anomaly_kind", ANOMALY_KINDS);
export const anomalySeverity = pgEnum("anomaly_severity", ANOMALY_SEVERITIES);
