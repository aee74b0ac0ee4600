import { AuthenticationV1Api, type KubeConfig } from "@kubernetes/client-node";

/** The part of an authentication.k8s.io/v1 TokenReview status that callers judge. */
export type TokenReviewResult = {
  authenticated?: boolean;
  audiences?: string[];
  user?: { username?: string; extra?: Record<string, string[]> };
  error?: string;
};

export type TokenReviewer = (
  token: string,
  audiences: readonly string[],
) => Promise<TokenReviewResult>;

/** Thrown when the API server could not answer (network, timeout, 5xx, RBAC): not a verdict. */
export class TokenReviewUnavailableError extends Error {
  override readonly name = "TokenReviewUnavailableError";
}

function describe(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: unknown }).code;
    return typeof code === "number" ? `HTTP ${code}` : error.message;
  }
  return String(error);
}

/**
 * Creates TokenReviews with the given KubeConfig's identity (it needs `create` on
 * `tokenreviews.authentication.k8s.io`). Every call has a deadline of `timeoutMs`.
 */
export function createTokenReviewer(
  kubeConfig: KubeConfig,
  options: { timeoutMs: number },
): TokenReviewer {
  const api = kubeConfig.makeApiClient(AuthenticationV1Api);
  return async (token, audiences) => {
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new TokenReviewUnavailableError(
              `TokenReview exceeded ${options.timeoutMs} ms`,
            ),
          ),
        options.timeoutMs,
      );
    });
    try {
      const review = await Promise.race([
        api.createTokenReview({
          body: {
            apiVersion: "authentication.k8s.io/v1",
            kind: "TokenReview",
            spec: { token, audiences: [...audiences] },
          },
        }),
        deadline,
      ]);
      return review.status ?? {};
    } catch (error) {
      if (error instanceof TokenReviewUnavailableError) throw error;
      throw new TokenReviewUnavailableError(
        `TokenReview failed: ${describe(error)}`,
        { cause: error },
      );
    } finally {
      clearTimeout(timer);
    }
  };
}
