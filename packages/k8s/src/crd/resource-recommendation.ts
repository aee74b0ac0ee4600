import { z } from "zod";

import {
  APPLICABLE_WORKLOAD_KINDS,
  CLUSTER_PHASES,
  ROLLBACK_REASONS,
} from "@kubewise/core";

// Single source of the ResourceRecommendation CRD: the TypeScript types, runtime validation and
// the OpenAPI schema in charts/kubewise/crds/ (scripts/gen-crds.ts) all come from these schemas.

export const KUBEWISE_GROUP = "kubewise.io";
export const RESOURCE_RECOMMENDATION_VERSION = "v1alpha1";
export const RESOURCE_RECOMMENDATION_API_VERSION = `${KUBEWISE_GROUP}/${RESOURCE_RECOMMENDATION_VERSION}`;
export const RESOURCE_RECOMMENDATION_KIND = "ResourceRecommendation";
export const RESOURCE_RECOMMENDATION_PLURAL = "resourcerecommendations";

const QUANTITY_PATTERN =
  "^[0-9]+(\\.[0-9]+)?(m|k|M|G|T|P|E|Ki|Mi|Gi|Ti|Pi|Ei)?$";
const DNS_SUBDOMAIN_PATTERN = "^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$";

const QuantitySchema = z
  .string()
  .regex(new RegExp(QUANTITY_PATTERN))
  .meta({ description: "Kubernetes quantity, e.g. 250m or 512Mi." });

export const ResourceListSchema = z
  .object({ cpu: QuantitySchema.optional(), memory: QuantitySchema.optional() })
  .meta({ description: "CPU and memory quantities." });
export type ResourceList = z.infer<typeof ResourceListSchema>;

export const TimeWindowSchema = z.enum(["peak", "offPeak", "weekend"]);
export type TimeWindow = z.infer<typeof TimeWindowSchema>;

export const WindowRecommendationSchema = z.object({
  window: TimeWindowSchema,
  requests: ResourceListSchema,
  limits: ResourceListSchema.optional(),
});

export const ContainerRecommendationSpecSchema = z.object({
  name: z.string().min(1).max(63),
  requests: ResourceListSchema.meta({
    description:
      "Recommended requests outside any special window. A resource left out has no request after the apply.",
  }),
  limits: ResourceListSchema.optional().meta({
    description:
      "Recommended limits. A resource left out (or no limits at all) has no limit after the apply: an existing one is removed.",
  }),
  windows: z
    .array(WindowRecommendationSchema)
    .max(3)
    .optional()
    .meta({
      description: "Overrides per time window.",
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["window"],
    }),
});
export type ContainerRecommendationSpec = z.infer<
  typeof ContainerRecommendationSpecSchema
>;

export const WorkloadKindSchema = z.enum(APPLICABLE_WORKLOAD_KINDS).meta({
  description:
    "A CronJob's change applies to the Jobs it creates from then on (no gradual rollout).",
});
export type WorkloadKind = z.infer<typeof WorkloadKindSchema>;

export const ApprovalSchema = z.object({
  state: z.enum(["Approved", "Rejected"]),
  by: z.string().max(253).optional(),
  at: z.iso.datetime().optional(),
  specHash: z.string().max(64).optional().meta({
    description:
      "status.specHash of the spec being approved (required with state Approved): a changed recommendation needs a new approval.",
  }),
});
export type Approval = z.infer<typeof ApprovalSchema>;

export const ResourceRecommendationSpecSchema = z
  .object({
    targetRef: z.object({
      kind: WorkloadKindSchema,
      name: z.string().min(1).max(253).regex(new RegExp(DNS_SUBDOMAIN_PATTERN)),
    }),
    containers: z
      .array(ContainerRecommendationSpecSchema)
      .min(1)
      .max(32)
      .meta({
        "x-kubernetes-list-type": "map",
        "x-kubernetes-list-map-keys": ["name"],
      }),
    confidence: z.number().min(0).max(1).meta({
      description:
        "Calibrated probability that usage stays within the recommendation.",
    }),
    dryRun: z.boolean().default(true).meta({
      description:
        "Only compute status.generatedPatch; never touch the workload.",
    }),
    autoApply: z.boolean().default(false).meta({
      description:
        "Apply without approval when the namespace's safety rules allow.",
    }),
    approval: ApprovalSchema.optional(),
    source: z
      .object({
        policy: z.string().max(63),
        generatedAt: z.iso.datetime().optional(),
      })
      .optional(),
  })
  .meta({
    "x-kubernetes-validations": [
      {
        rule: "!(self.dryRun && self.autoApply)",
        message: "autoApply requires dryRun: false",
      },
    ],
  });
export type ResourceRecommendationSpec = z.infer<
  typeof ResourceRecommendationSpecSchema
>;

export const PhaseSchema = z.enum(CLUSTER_PHASES);
export type Phase = z.infer<typeof PhaseSchema>;

export const ConditionSchema = z.object({
  type: z.string().min(1).max(316),
  status: z.enum(["True", "False", "Unknown"]),
  reason: z.string().min(1).max(1024),
  message: z.string().max(32768),
  lastTransitionTime: z.iso.datetime(),
  observedGeneration: z.int().min(0).optional(),
});
export type Condition = z.infer<typeof ConditionSchema>;

/** The exact requests/limits maps of a container (every resource, absent maps absent), for restores. */
export const ContainerResourcesSnapshotSchema = z.object({
  name: z.string().min(1).max(63),
  requests: z.record(z.string(), z.string()).optional(),
  limits: z.record(z.string(), z.string()).optional(),
});
export type ContainerResourcesSnapshot = z.infer<
  typeof ContainerResourcesSnapshotSchema
>;

const ResourceListListSchema = z
  .array(ContainerResourcesSnapshotSchema)
  .max(32)
  .meta({
    "x-kubernetes-list-type": "map",
    "x-kubernetes-list-map-keys": ["name"],
  });

export const AppliedRecordSchema = z.object({
  at: z.iso.datetime(),
  generation: z.int().min(0),
  method: z.enum(["TemplatePatch", "InPlaceResize"]),
  previous: ResourceListListSchema.meta({
    description: "Exact resources before the change (absent keys were absent).",
  }),
  applied: ResourceListListSchema,
});
export type AppliedRecord = z.infer<typeof AppliedRecordSchema>;

export const CanaryRecordSchema = z
  .object({
    at: z.iso.datetime().meta({ description: "When the rollout started." }),
    generation: z.int().min(0),
    method: z.enum(["InPlaceResize", "StatefulSetPartition"]).optional(),
    step: z.int().min(0).max(32).optional().meta({
      description: "Index of the current rollout step (policy rolloutSteps).",
    }),
    stepStartedAt: z.iso.datetime().optional(),
    pods: z.array(z.string().max(253)).max(256).meta({
      description:
        "Pods resized in place (pods/resize) before the pod template is patched.",
    }),
    partition: z.int().min(0).optional().meta({
      description: "StatefulSet partition set by the current step.",
    }),
    previousPartition: z.int().min(0).optional(),
    previous: ResourceListListSchema,
  })
  .meta({
    description:
      "The gradual rollout in progress: steps before the last one, each with an observation window.",
  });
export type CanaryRecord = z.infer<typeof CanaryRecordSchema>;

export const RolledBackRecordSchema = z.object({
  at: z.iso.datetime(),
  reason: z.enum(ROLLBACK_REASONS),
  message: z.string().max(4096),
  restored: ResourceListListSchema,
  nextMinimumMemoryBytes: z
    .array(
      z.object({
        name: z.string().min(1).max(63),
        memoryBytes: z.int().min(0),
      }),
    )
    .max(32)
    .optional()
    .meta({
      description:
        "Floor for the next memory recommendation (x1.2, at least +100Mi).",
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["name"],
    }),
});
export type RolledBackRecord = z.infer<typeof RolledBackRecordSchema>;

const BoundsSchema = z.object({
  target: ResourceListSchema,
  lowerBound: ResourceListSchema.optional(),
  upperBound: ResourceListSchema.optional(),
  uncappedTarget: ResourceListSchema.optional(),
});
export const VpaContainerRecommendationSchema = BoundsSchema.extend({
  containerName: z.string().min(1).max(63),
});
export type VpaContainerRecommendation = z.infer<
  typeof VpaContainerRecommendationSchema
>;

export const ResourceRecommendationStatusSchema = z.object({
  phase: PhaseSchema.optional(),
  observedGeneration: z.int().min(0).optional(),
  specHash: z.string().max(64).optional().meta({
    description:
      "Hash of the patch this spec applies; an approval must name it in spec.approval.specHash.",
  }),
  generatedPatch: z
    .string()
    .max(65536)
    .optional()
    .meta({ description: "Strategic merge patch (JSON) for the workload." }),
  conditions: z
    .array(ConditionSchema)
    .max(16)
    .optional()
    .meta({
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["type"],
    }),
  canary: CanaryRecordSchema.optional(),
  applied: AppliedRecordSchema.optional(),
  rolledBack: RolledBackRecordSchema.optional(),
  containerRecommendations: z
    .array(VpaContainerRecommendationSchema)
    .max(32)
    .optional()
    .meta({
      "x-kubernetes-list-type": "map",
      "x-kubernetes-list-map-keys": ["containerName"],
    }),
});
export type ResourceRecommendationStatus = z.infer<
  typeof ResourceRecommendationStatusSchema
>;

export const ObjectMetaSchema = z.looseObject({
  name: z.string(),
  namespace: z.string(),
  uid: z.string().optional(),
  generation: z.int().optional(),
  resourceVersion: z.string().optional(),
  creationTimestamp: z.union([z.string(), z.date()]).optional(),
  labels: z.record(z.string(), z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

export const ResourceRecommendationSchema = z.object({
  apiVersion: z.literal(RESOURCE_RECOMMENDATION_API_VERSION),
  kind: z.literal(RESOURCE_RECOMMENDATION_KIND),
  metadata: ObjectMetaSchema,
  spec: ResourceRecommendationSpecSchema,
  status: ResourceRecommendationStatusSchema.optional(),
});
export type ResourceRecommendation = z.infer<
  typeof ResourceRecommendationSchema
>;

export const RESOURCE_RECOMMENDATION_PRINTER_COLUMNS = [
  { name: "Target", type: "string", jsonPath: ".spec.targetRef.name" },
  {
    name: "Kind",
    type: "string",
    jsonPath: ".spec.targetRef.kind",
    priority: 1,
  },
  {
    name: "CPU-Req",
    type: "string",
    jsonPath: ".spec.containers[0].requests.cpu",
    description: "First container's recommended CPU request",
  },
  {
    name: "Mem-Req",
    type: "string",
    jsonPath: ".spec.containers[0].requests.memory",
    description: "First container's recommended memory request",
  },
  { name: "Confidence", type: "number", jsonPath: ".spec.confidence" },
  { name: "Phase", type: "string", jsonPath: ".status.phase" },
  {
    name: "Spec-Hash",
    type: "string",
    jsonPath: ".status.specHash",
    priority: 1,
    description: "What spec.approval.specHash must name to approve this spec",
  },
  { name: "Age", type: "date", jsonPath: ".metadata.creationTimestamp" },
] as const;

/** What the recommender server-side-applies: spec input without the user-owned fields. */
export type ResourceRecommendationApply = Omit<
  ResourceRecommendation,
  "spec" | "status"
> & {
  spec: Omit<
    z.input<typeof ResourceRecommendationSpecSchema>,
    "dryRun" | "autoApply" | "approval"
  >;
};
