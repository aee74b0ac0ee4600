import type { PolicyResolver } from "../ports";
import type { ControllerPolicy } from "../reconcile/decision-context";
import { toNamespacePolicy } from "../reconcile/namespace-policy";
import type { KubeClients } from "./kube-clients";

/** Reads each namespace's safety rules (labels/annotations) through the API, cached for `ttlMs`. */
export function createNamespacePolicyResolver(
  clients: Pick<KubeClients, "core">,
  options: { base: ControllerPolicy; ttlMs: number; now?: () => number },
): PolicyResolver {
  const now = options.now ?? (() => Date.now());
  const cache = new Map<
    string,
    { policy: ControllerPolicy; expiresAtMs: number }
  >();
  return async (namespace) => {
    const hit = cache.get(namespace);
    if (hit && hit.expiresAtMs > now()) return hit.policy;
    const object = await clients.core.readNamespace({ name: namespace });
    const policy = toNamespacePolicy(object.metadata, options.base);
    cache.set(namespace, { policy, expiresAtMs: now() + options.ttlMs });
    return policy;
  };
}
