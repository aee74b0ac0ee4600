import { defineConfig } from "vitest/config";

// The cluster suite: real etcd + kube-apiserver + kube-controller-manager (scripts/cluster), or any
// KUBECONFIG. Files run one after another: on 2 cores the API server is the bottleneck anyway.
export default defineConfig({
  test: {
    name: "cluster",
    include: ["src/**/*.cluster.test.ts"],
    globalSetup: ["src/global-setup.ts"],
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 180_000,
  },
});
