import type {
  V2HorizontalPodAutoscaler,
  V2MetricSpec,
} from "@kubernetes/client-node";

import type { HpaMetric, HpaObservation } from "@kubewise/core";

import type { KubeClients } from "./kube-clients";

const PAGE = 500;

function toMetric(spec: V2MetricSpec): HpaMetric {
  const source =
    spec.resource ??
    spec.containerResource ??
    spec.pods ??
    spec.object ??
    spec.external;
  const target = source?.target;
  const named =
    spec.pods?.metric ?? spec.object?.metric ?? spec.external?.metric;
  return {
    source: spec.type,
    ...(spec.resource ? { resource: spec.resource.name } : {}),
    ...(spec.containerResource
      ? {
          resource: spec.containerResource.name,
          container: spec.containerResource.container,
        }
      : {}),
    targetType: target?.type ?? "Unknown",
    ...(target?.averageUtilization === undefined
      ? {}
      : { averageUtilization: target.averageUtilization }),
    ...(named ? { metricName: named.name } : {}),
  };
}

/** One autoscaling/v2 HPA as Kubewise stores it; null for one without a target (never valid). */
export function toHpaObservation(
  hpa: V2HorizontalPodAutoscaler,
): HpaObservation | null {
  const namespace = hpa.metadata?.namespace;
  const name = hpa.metadata?.name;
  const ref = hpa.spec?.scaleTargetRef;
  if (!namespace || !name || !ref || !hpa.spec) return null;
  return {
    namespace,
    name,
    targetKind: ref.kind,
    targetName: ref.name,
    minReplicas: hpa.spec.minReplicas ?? 1,
    maxReplicas: hpa.spec.maxReplicas,
    currentReplicas: hpa.status?.currentReplicas ?? null,
    // autoscaling/v2 defaults an HPA without metrics to 80 % CPU utilisation.
    metrics: (hpa.spec.metrics ?? []).length
      ? (hpa.spec.metrics ?? []).map(toMetric)
      : [
          {
            source: "Resource",
            resource: "cpu",
            targetType: "Utilization",
            averageUtilization: 80,
          },
        ],
  };
}

/** Lists every autoscaling/v2 HPA of the cluster (paged), for the cluster sync. */
export function createHpaSource(clients: Pick<KubeClients, "autoscaling">): {
  list(): Promise<HpaObservation[]>;
} {
  return {
    async list() {
      const out: HpaObservation[] = [];
      let token: string | undefined;
      do {
        const page =
          await clients.autoscaling.listHorizontalPodAutoscalerForAllNamespaces(
            { limit: PAGE, ...(token ? { _continue: token } : {}) },
          );
        for (const item of page.items) {
          const observed = toHpaObservation(item);
          if (observed) out.push(observed);
        }
        // An empty continue token ends the listing as an absent one does.
        const next = page.metadata?._continue;
        token = next === "" ? undefined : next;
      } while (token);
      return out;
    },
  };
}
