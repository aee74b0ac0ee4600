import { defineConfig } from "vitest/config";
import { BaseSequencer, type TestSpecification } from "vitest/node";

// The steps share one release: the loop first, then the agent kills (on the loop's 1 s collection),
// a federated round (after the loop measured the agent's cost), the fault cases (the last one
// replaces the aggregator pod), helm uninstall last.
const ORDER = ["loop", "agent-kill", "federated", "faults", "uninstall"];
class StepOrder extends BaseSequencer {
  override sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (f: TestSpecification) =>
      ORDER.findIndex((step) => f.moduleId.endsWith(`/${step}.node.test.ts`));
    return Promise.resolve([...files].sort((a, b) => rank(a) - rank(b)));
  }
}

// npm run e2e:node: the whole loop on a real node (scripts/cluster/start.sh --node), or any
// KUBECONFIG with KUBEWISE_E2E_DATABASE_URL. One file at a time: the steps share one release.
export default defineConfig({
  test: {
    name: "node",
    include: ["src/node/**/*.node.test.ts"],
    globalSetup: ["src/node/global-setup.ts"],
    fileParallelism: false,
    sequence: { sequencer: StepOrder },
    testTimeout: 300_000,
    hookTimeout: 1_200_000,
  },
});
