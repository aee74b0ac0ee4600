// helm uninstall leaves only what the README says stays: the CRD and its objects, the leader Lease,
// the database (and the Secret and ConfigMap the user created before installing).
import { describe, expect, inject, it } from "vitest";

import { E2E, kubectlSync, run } from "./release";
import { until } from "./wait";

const ctx = inject("nodeSuite");
const KINDS =
  "deployments,daemonsets,replicasets,pods,services,configmaps,secrets,serviceaccounts,networkpolicies,poddisruptionbudgets,roles,rolebindings,leases";
const CLUSTER_KINDS =
  "clusterroles,clusterrolebindings,validatingadmissionpolicies,validatingadmissionpolicybindings";

const names = (args: string[]) =>
  kubectlSync(ctx, [...args, "-o", "name"])
    .split("\n")
    .filter((l) => l !== "")
    .sort();

describe("helm uninstall", () => {
  it("removes everything of the release but the CRD, the leader Lease and the data", async () => {
    run(ctx, ctx.helmPath, [
      "uninstall",
      E2E.release,
      "-n",
      E2E.namespace,
      "--wait",
      "--timeout",
      "120s",
    ]);
    const left = await until(
      () => {
        const inNamespace = names(["-n", E2E.namespace, "get", KINDS]).filter(
          // created by Kubernetes in every namespace, or by the user before the install
          (n) =>
            ![
              "configmap/kube-root-ca.crt",
              "serviceaccount/default",
              "secret/kubewise-database",
              "configmap/kubelet-ca",
            ].includes(n),
        );
        return inNamespace.some((n) => n.startsWith("pod/"))
          ? undefined
          : inNamespace;
      },
      { timeoutMs: 120_000, what: "the release's pods gone" },
    );
    expect(left).toEqual(["lease.coordination.k8s.io/kubewise-aggregator"]);
    expect(
      names([
        "get",
        CLUSTER_KINDS,
        "-l",
        `app.kubernetes.io/instance=${E2E.release}`,
      ]),
    ).toEqual([]);
    expect(
      names(["get", "crd", "resourcerecommendations.kubewise.io"]),
    ).toHaveLength(1);
  });
});
