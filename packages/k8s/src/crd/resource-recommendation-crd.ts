import {
  KUBEWISE_GROUP,
  RESOURCE_RECOMMENDATION_KIND,
  RESOURCE_RECOMMENDATION_PLURAL,
  RESOURCE_RECOMMENDATION_PRINTER_COLUMNS,
  RESOURCE_RECOMMENDATION_VERSION,
  ResourceRecommendationSpecSchema,
  ResourceRecommendationStatusSchema,
} from "./resource-recommendation";
import { toStructuralSchema } from "./structural-schema";

export function buildResourceRecommendationCrd(): Record<string, unknown> {
  return {
    apiVersion: "apiextensions.k8s.io/v1",
    kind: "CustomResourceDefinition",
    metadata: {
      name: `${RESOURCE_RECOMMENDATION_PLURAL}.${KUBEWISE_GROUP}`,
      labels: { "app.kubernetes.io/part-of": "kubewise" },
    },
    spec: {
      group: KUBEWISE_GROUP,
      scope: "Namespaced",
      names: {
        kind: RESOURCE_RECOMMENDATION_KIND,
        listKind: `${RESOURCE_RECOMMENDATION_KIND}List`,
        plural: RESOURCE_RECOMMENDATION_PLURAL,
        singular: "resourcerecommendation",
        shortNames: ["rrec"],
        categories: ["kubewise"],
      },
      versions: [
        {
          name: RESOURCE_RECOMMENDATION_VERSION,
          served: true,
          storage: true,
          subresources: { status: {} },
          additionalPrinterColumns: RESOURCE_RECOMMENDATION_PRINTER_COLUMNS.map(
            (c) => ({ ...c }),
          ),
          schema: {
            openAPIV3Schema: {
              type: "object",
              description:
                "A right-sizing recommendation for one workload, applied only through Kubewise's safe workflow.",
              required: ["spec"],
              properties: {
                apiVersion: { type: "string" },
                kind: { type: "string" },
                metadata: { type: "object" },
                spec: toStructuralSchema(ResourceRecommendationSpecSchema),
                status: toStructuralSchema(ResourceRecommendationStatusSchema),
              },
            },
          },
        },
      ],
    },
  };
}
