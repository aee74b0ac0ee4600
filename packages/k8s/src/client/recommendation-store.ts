import { PatchStrategy, setHeaderOptions } from "@kubernetes/client-node";

import {
  KUBEWISE_GROUP,
  RESOURCE_RECOMMENDATION_API_VERSION,
  RESOURCE_RECOMMENDATION_KIND,
  RESOURCE_RECOMMENDATION_PLURAL,
  RESOURCE_RECOMMENDATION_VERSION,
  ResourceRecommendationSchema,
  type Approval,
  type ResourceRecommendation,
  type ResourceRecommendationApply,
  type ResourceRecommendationStatus,
} from "../crd/resource-recommendation";
import type { KubeClients } from "./kube-clients";

/** The one field manager for everything the controller server-side-applies. */
export const FIELD_MANAGER = "kubewise-controller";

export type ObjectRef = { namespace: string; name: string };

/** Port the controller and services use to read and write ResourceRecommendation objects. */
export type RecommendationStore = {
  apply(object: ResourceRecommendationApply): Promise<ResourceRecommendation>;
  applyStatus(
    ref: ObjectRef,
    status: ResourceRecommendationStatus,
  ): Promise<void>;
  setApproval(ref: ObjectRef, approval: Approval): Promise<void>;
  list(namespace?: string): Promise<ResourceRecommendation[]>;
};

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
    async applyStatus(ref, status) {
      // Full status every time: SSA removes fields this manager stopped sending, so the status is exact.
      const body = {
        apiVersion: RESOURCE_RECOMMENDATION_API_VERSION,
        kind: RESOURCE_RECOMMENDATION_KIND,
        metadata: { ...ref },
        status,
      };
      await custom.patchNamespacedCustomObjectStatus(
        { ...CRD, ...ref, body, fieldManager: FIELD_MANAGER, force: true },
        SSA,
      );
    },
    async setApproval(ref, approval) {
      // A merge patch (an Update, not an Apply) so the recommender's applied fields keep their owner.
      await custom.patchNamespacedCustomObject(
        {
          ...CRD,
          ...ref,
          body: { spec: { approval } },
          fieldManager: "kubewise-approval",
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
