import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";

import {
  KUBEWISE_GROUP,
  RESOURCE_RECOMMENDATION_API_VERSION,
  RESOURCE_RECOMMENDATION_KIND,
  RESOURCE_RECOMMENDATION_PLURAL,
  RESOURCE_RECOMMENDATION_VERSION,
  ResourceRecommendationSchema,
} from "@kubewise/k8s";

import type { RecommendationStore } from "../ports";
import {
  APPROVAL_FIELD_MANAGER,
  FIELD_MANAGER,
  RECOMMENDER_FIELD_MANAGER,
} from "./field-manager";
import { isApiStatus, type KubeClients } from "./kube-clients";

const CRD = {
  group: KUBEWISE_GROUP,
  version: RESOURCE_RECOMMENDATION_VERSION,
  plural: RESOURCE_RECOMMENDATION_PLURAL,
};
const SSA = setHeaderOptions("Content-Type", PatchStrategy.ServerSideApply);
const MERGE = setHeaderOptions("Content-Type", PatchStrategy.MergePatch);

export function createRecommendationStore(
  clients: Pick<KubeClients, "custom">,
): RecommendationStore {
  const { custom } = clients;
  return {
    async get(ref) {
      try {
        const found: unknown = await custom.getNamespacedCustomObject({
          ...CRD,
          ...ref,
        });
        return ResourceRecommendationSchema.parse(found);
      } catch (error) {
        if (isApiStatus(error, 404)) return undefined;
        throw error;
      }
    },
    async apply(object) {
      const { namespace, name } = object.metadata;
      const result: unknown = await custom.patchNamespacedCustomObject(
        {
          ...CRD,
          namespace,
          name,
          body: object,
          fieldManager: FIELD_MANAGER,
          force: true,
        },
        SSA,
      );
      return ResourceRecommendationSchema.parse(result);
    },
    async applyStatus({ resourceVersion, ...ref }, status) {
      // Full status every time: SSA removes fields this manager stopped sending, so the status is
      // exact. A resourceVersion makes it conditional: a writer with a stale view gets 409.
      const { containerRecommendations: _owned, ...controllerStatus } = status;
      const body = {
        apiVersion: RESOURCE_RECOMMENDATION_API_VERSION,
        kind: RESOURCE_RECOMMENDATION_KIND,
        metadata: { ...ref, ...(resourceVersion ? { resourceVersion } : {}) },
        status: controllerStatus,
      };
      await custom.patchNamespacedCustomObjectStatus(
        { ...CRD, ...ref, body, fieldManager: FIELD_MANAGER, force: true },
        SSA,
      );
    },
    async applyBounds(ref, bounds) {
      const body = {
        apiVersion: RESOURCE_RECOMMENDATION_API_VERSION,
        kind: RESOURCE_RECOMMENDATION_KIND,
        metadata: { ...ref },
        status: { containerRecommendations: bounds },
      };
      await custom.patchNamespacedCustomObjectStatus(
        {
          ...CRD,
          ...ref,
          body,
          fieldManager: RECOMMENDER_FIELD_MANAGER,
          force: true,
        },
        SSA,
      );
    },
    async setApproval(ref, approval, options = {}) {
      // A merge patch (an Update, not an Apply) so the recommender's applied fields keep their owner.
      await custom.patchNamespacedCustomObject(
        {
          ...CRD,
          ...ref,
          body: {
            spec: {
              approval,
              ...(options.dryRun === undefined
                ? {}
                : { dryRun: options.dryRun }),
            },
          },
          fieldManager: APPROVAL_FIELD_MANAGER,
        },
        MERGE,
      );
    },
    async list(namespace) {
      const result = (await (namespace
        ? custom.listNamespacedCustomObject({ ...CRD, namespace })
        : custom.listClusterCustomObject(CRD))) as { items?: unknown[] };
      return (result.items ?? []).flatMap((item) => {
        const parsed = ResourceRecommendationSchema.safeParse(item);
        return parsed.success ? [parsed.data] : [];
      });
    },
  };
}
