import { createTokenReviewer, loadKubeConfig } from "@kubewise/k8s";

import type { AgentAuthConfig } from "../env";
import {
  createStaticTokenAuthenticator,
  createTokenReviewAuthenticator,
  type Authenticator,
} from "./auth";

export type AgentAuthenticatorOptions = {
  /** Deadline of one TokenReview call; past it the agent gets UNAVAILABLE and retries. */
  reviewTimeoutMs?: number;
  now?: () => number;
};

/** Builds the authenticator for the configured mode; tokenreview uses in-cluster config or the kubeconfig path. */
export function createAgentAuthenticator(
  config: AgentAuthConfig,
  options: AgentAuthenticatorOptions = {},
): Authenticator {
  if (config.mode === "static")
    return createStaticTokenAuthenticator(config.tokens);
  const kubeConfig = loadKubeConfig(
    config.kubeconfigPath === undefined
      ? {}
      : { kubeconfigPath: config.kubeconfigPath },
  );
  return createTokenReviewAuthenticator({
    review: createTokenReviewer(kubeConfig, {
      timeoutMs: options.reviewTimeoutMs ?? 5_000,
    }),
    audience: config.audience,
    allowedUsernames: config.allowedUsernames,
    cacheTtlMs: config.cacheTtlMs,
    now: options.now ?? Date.now,
  });
}
