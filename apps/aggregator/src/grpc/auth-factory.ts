import { createTokenReviewer, loadKubeConfig } from "@kubewise/controller";

import type { AgentAuthConfig } from "../env";
import {
  createStaticTokenAuthenticator,
  createTokenReviewAuthenticator,
  type Authenticator,
} from "./auth";

export type AgentAuthenticatorOptions = {
  /** Told when a token cannot be checked (API server down, RBAC missing): the operator must act. */
  onUnavailable?: (reason: string) => void;
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
  const authenticator = createTokenReviewAuthenticator({
    review: createTokenReviewer(kubeConfig, {
      timeoutMs: options.reviewTimeoutMs ?? 5_000,
    }),
    audience: config.audience,
    allowedUsernames: config.allowedUsernames,
    cacheTtlMs: config.cacheTtlMs,
    now: options.now ?? Date.now,
  });
  return {
    async authenticate(token) {
      const result = await authenticator.authenticate(token);
      if (!result.ok && result.code === "unavailable")
        options.onUnavailable?.(result.reason);
      return result;
    },
  };
}
