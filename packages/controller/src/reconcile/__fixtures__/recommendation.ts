import {
  hashRecommendedResources,
  type ResourceRecommendation,
} from "@kubewise/k8s";

/**
 * A recommendation in namespace `shop` whose spec carries an approval of exactly that spec, with
 * `status` when given: the input of every rollout step test.
 */
export function approvedRecommendation(
  spec: ResourceRecommendation["spec"],
  metadata: { name: string; generation: number },
  status?: ResourceRecommendation["status"],
): ResourceRecommendation {
  return {
    apiVersion: "kubewise.io/v1alpha1",
    kind: "ResourceRecommendation",
    metadata: { ...metadata, namespace: "shop" },
    spec: {
      ...spec,
      approval: { state: "Approved", specHash: hashRecommendedResources(spec) },
    },
    ...(status ? { status } : {}),
  };
}
