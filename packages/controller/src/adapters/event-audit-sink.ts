import {
  RESOURCE_RECOMMENDATION_API_VERSION,
  RESOURCE_RECOMMENDATION_KIND,
} from "@kubewise/k8s";

import type { AuditSink } from "../ports";
import type { KubeClients } from "./kube-clients";

const WARNING_ACTIONS = new Set(["rollback", "blocked", "reject"]);

/** Records each controller step as a Kubernetes Event on the recommendation (`kubectl describe rrec`). */
export function createEventAuditSink(
  clients: Pick<KubeClients, "core">,
  options: { instance: string },
): AuditSink {
  return {
    async record(event) {
      await clients.core.createNamespacedEvent({
        namespace: event.namespace,
        body: {
          metadata: {
            generateName: `${event.recommendation}.`,
            namespace: event.namespace,
          },
          involvedObject: {
            apiVersion: RESOURCE_RECOMMENDATION_API_VERSION,
            kind: RESOURCE_RECOMMENDATION_KIND,
            name: event.recommendation,
            namespace: event.namespace,
          },
          type: WARNING_ACTIONS.has(event.action) ? "Warning" : "Normal",
          reason: event.reason,
          message: event.message,
          action: event.action,
          source: { component: "kubewise-controller" },
          reportingComponent: "kubewise.io/controller",
          reportingInstance: options.instance,
          firstTimestamp: event.at,
          lastTimestamp: event.at,
          count: 1,
        },
      });
    },
  };
}

/** Fans one audit event out to several sinks (e.g. the database audit log and Kubernetes Events). */
export function combineAuditSinks(...sinks: AuditSink[]): AuditSink {
  return {
    async record(event) {
      await Promise.all(sinks.map((sink) => sink.record(event)));
    },
  };
}
