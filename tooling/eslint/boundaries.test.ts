import path from "node:path";

import { ESLint } from "eslint";
import tseslint from "typescript-eslint";
import { describe, expect, it } from "vitest";

import { boundaries, envAccess } from "./boundaries.js";

const repoRoot = path.resolve(import.meta.dirname, "../..");

// Lints a virtual file with exactly the boundary rules the repo config uses (no type info needed).
async function lintAt(relativePath: string, code: string): Promise<string[]> {
  const eslint = new ESLint({
    cwd: repoRoot,
    overrideConfigFile: true,
    overrideConfig: [
      {
        files: ["**/*.ts", "**/*.tsx"],
        languageOptions: { parser: tseslint.parser },
      },
      ...boundaries,
      envAccess,
    ],
  });
  const [result] = await eslint.lintText(code, {
    filePath: path.join(repoRoot, relativePath),
  });
  return (result?.messages ?? []).map(
    (m) => `${m.ruleId ?? "fatal"}: ${m.message}`,
  );
}

describe("import-direction rules (STYLE §2)", () => {
  it.each([
    ["packages/core/src/x.ts", 'import { createDb } from "@kubewise/db";'],
    ["packages/core/src/x.ts", 'import fs from "node:fs";'],
    ["packages/core/src/x.ts", 'import postgres from "postgres";'],
    ["packages/ml/src/x.ts", 'import * as ort from "onnxruntime-node";'],
    [
      "packages/db/src/x.ts",
      'import { listThings } from "@kubewise/services";',
    ],
    [
      "packages/services/src/x.ts",
      'import { createSession } from "@kubewise/ml/onnx";',
    ],
    ["apps/web/src/app/page.tsx", 'import { createDb } from "@kubewise/db";'],
    ["apps/web/src/app/page.tsx", 'import { ingest } from "@kubewise/proto";'],
    [
      "apps/web/src/server/auth/options.ts",
      'import { createDb } from "@kubewise/db";',
    ],
    ["apps/agent/src/x.ts", 'import { createDb } from "@kubewise/db";'],
    ["apps/agent/src/x.ts", 'import { writer } from "@kubewise/k8s";'],
    [
      "apps/aggregator/src/grpc/server.ts",
      'import { createDb } from "@kubewise/db";',
    ],
    ["apps/cli/src/x.ts", 'import { verbs } from "@kubewise/services";'],
    [
      "packages/services/src/x.ts",
      'import { thing } from "@kubewise/core/src/units";',
    ],
    ["packages/k8s/src/x.ts", 'import { page } from "@kubewise/web";'],
    [
      "packages/k8s/src/x.ts",
      'import { createLifecycleController } from "@kubewise/controller";',
    ],
    [
      "packages/k8s/src/x.ts",
      'import { KubeConfig } from "@kubernetes/client-node";',
    ],
    [
      "packages/services/src/x.ts",
      'import { createWorkloadStore } from "@kubewise/controller";',
    ],
    [
      "packages/controller/src/x.ts",
      'import { syncRecommendationsToCluster } from "@kubewise/services";',
    ],
    ["packages/ml/src/x.ts", 'import { agentV1 } from "@kubewise/proto";'],
    ["packages/ml/scripts/x.ts", 'import { createDb } from "@kubewise/db";'],
  ])("rejects in %s: %s", async (file, code) => {
    const messages = await lintAt(file, code);
    expect(messages.some((m) => m.startsWith("no-restricted-imports"))).toBe(
      true,
    );
  });

  it.each([
    ["packages/ml/src/x.ts", 'import { parseQuantity } from "@kubewise/core";'],
    ["packages/services/src/x.ts", 'import { createDb } from "@kubewise/db";'],
    ["apps/web/src/server/db.ts", 'import { createDb } from "@kubewise/db";'],
    ["apps/aggregator/src/main.ts", 'import { createDb } from "@kubewise/db";'],
    [
      "packages/controller/src/x.ts",
      'import { buildResourceRecommendation } from "@kubewise/k8s";',
    ],
    [
      "apps/aggregator/src/controller/x.ts",
      'import { createLifecycleController } from "@kubewise/controller";',
    ],
    [
      "apps/agent/src/x.ts",
      'import { createScorer } from "@kubewise/ml/onnx";',
    ],
    [
      "packages/ml/src/onnx/session.ts",
      'import * as ort from "onnxruntime-node";',
    ],
    [
      "packages/ml/scripts/bench-federated.ts",
      'import { agentV1 } from "@kubewise/proto";',
    ],
  ])("allows in %s: %s", async (file, code) => {
    expect(await lintAt(file, code)).toEqual([]);
  });

  it("allows process.env only in an app's src/env.ts", async () => {
    const code = "export const url = process.env.DATABASE_URL;";
    expect(await lintAt("apps/agent/src/env.ts", code)).toEqual([]);
    const elsewhere = await lintAt("apps/agent/src/collect.ts", code);
    expect(
      elsewhere.some((m) => m.startsWith("no-restricted-properties")),
    ).toBe(true);
  });
});
