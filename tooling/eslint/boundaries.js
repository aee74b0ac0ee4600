// Import-direction rules of STYLE §2, one entry per workspace. Each message names the allowed alternative.
const internal = ["core", "db", "proto", "ml", "k8s", "controller", "services"];

/** @param {string[]} allowed internal packages this workspace may import */
function banInternal(allowed, hint) {
  const banned = internal.filter((name) => !allowed.includes(name));
  return banned.map((name) => ({
    group: [`@kubewise/${name}`, `@kubewise/${name}/*`],
    message: `This workspace may not import @kubewise/${name}. ${hint}`,
  }));
}

const deepImports = {
  group: ["@kubewise/*/src/*", "@kubewise/*/src"],
  message: "Import through the package's exports map, never its src/ files.",
};
const appImports = {
  group: [
    "@kubewise/web",
    "@kubewise/web/*",
    "@kubewise/agent",
    "@kubewise/agent/*",
    "@kubewise/aggregator",
    "@kubewise/aggregator/*",
    "@kubewise/cli",
    "@kubewise/cli/*",
    "@kubewise/e2e-*",
  ],
  message: "Apps and e2e are never imported; move shared code into a package.",
};
const heavyMl = {
  group: ["onnxruntime-*", "@tensorflow/*"],
  message:
    "Native ML runtimes are reachable only through @kubewise/ml/onnx or @kubewise/ml/tfjs.",
};

function rule(patterns) {
  return {
    "no-restricted-imports": [
      "error",
      { patterns: [deepImports, appImports, ...patterns] },
    ],
  };
}

export const boundaries = [
  {
    files: ["packages/core/**/*.ts"],
    rules: rule([
      ...banInternal([], "core is pure: move I/O into services or an adapter."),
      {
        group: [
          "node:*",
          "drizzle-orm",
          "drizzle-orm/*",
          "postgres",
          "@grpc/*",
          "@kubernetes/*",
          "next",
          "next/*",
          "react",
          "react-dom",
          "onnxruntime-*",
          "@tensorflow/*",
          "pino",
          "prom-client",
        ],
        message:
          "core is pure (no I/O, no runtimes): move this into services, db, k8s or an app adapter.",
      },
    ]),
  },
  {
    files: ["packages/ml/**/*.ts"],
    ignores: [
      "packages/ml/src/onnx/**",
      "packages/ml/src/tfjs/**",
      "packages/ml/scripts/**",
    ],
    rules: rule([
      ...banInternal(["core"], "ml may use @kubewise/core only."),
      heavyMl,
    ]),
  },
  {
    files: ["packages/ml/src/onnx/**", "packages/ml/src/tfjs/**"],
    rules: rule(banInternal(["core", "ml"], "ml may use @kubewise/core only.")),
  },
  {
    // Benchmarks: bench:federated measures the real wire size of round messages with @kubewise/proto.
    files: ["packages/ml/scripts/**"],
    rules: rule(
      banInternal(
        ["core", "ml", "proto"],
        "ml scripts may use @kubewise/core, ml and proto only.",
      ),
    ),
  },
  {
    files: ["packages/db/**/*.ts"],
    rules: rule([
      ...banInternal(["core"], "db may use @kubewise/core only."),
      heavyMl,
    ]),
  },
  {
    files: ["packages/k8s/**/*.ts"],
    rules: rule([
      ...banInternal(["core"], "k8s may use @kubewise/core only."),
      heavyMl,
      {
        group: ["@kubernetes/*"],
        message:
          "k8s holds the CRD contract and pure builders; API clients and their adapters live in @kubewise/controller.",
      },
    ]),
  },
  {
    files: ["packages/controller/**/*.ts"],
    rules: rule([
      ...banInternal(
        ["core", "k8s"],
        "the controller may use @kubewise/core and @kubewise/k8s; services reach it through ports.",
      ),
      heavyMl,
    ]),
  },
  {
    files: ["packages/proto/**/*.ts"],
    rules: rule(banInternal([], "proto depends on nothing internal.")),
  },
  {
    files: ["packages/services/**/*.ts"],
    rules: rule([
      ...banInternal(
        ["core", "db", "k8s", "ml"],
        "services may use core, db, k8s and the root export of ml.",
      ),
      {
        group: ["@kubewise/ml/*"],
        message: "services may use only the pure root export of @kubewise/ml.",
      },
      heavyMl,
    ]),
  },
  {
    files: ["apps/web/**/*.ts", "apps/web/**/*.tsx"],
    // The one file holding the process's database pool (and the status probe on it).
    ignores: ["apps/web/src/server/db.ts"],
    rules: rule([
      ...banInternal(
        ["core", "services"],
        "web talks to the domain through @kubewise/services.",
      ),
      heavyMl,
    ]),
  },
  {
    files: ["apps/cli/**/*.ts"],
    rules: rule([
      ...banInternal(
        ["core"],
        "kw is a REST client: use the HTTP API and @kubewise/core.",
      ),
      heavyMl,
    ]),
  },
  {
    files: ["apps/agent/**/*.ts"],
    rules: rule([
      ...banInternal(
        ["core", "ml", "proto"],
        "the agent never touches the database or Kubernetes writers: send data to the aggregator.",
      ),
      heavyMl,
    ]),
  },
  {
    files: ["apps/aggregator/**/*.ts"],
    // main.ts (and the pass worker thread's entry) wire the database; db tests and benchmark
    // scripts start a real one.
    ignores: [
      "apps/aggregator/src/main.ts",
      "apps/aggregator/src/pass-worker/worker.ts",
      "apps/aggregator/**/*.db.test.ts",
      "apps/aggregator/scripts/**",
    ],
    rules: rule([
      ...banInternal(
        ["core", "ml", "proto", "k8s", "controller", "services"],
        "use @kubewise/services; @kubewise/db is wired in src/main.ts only.",
      ),
      heavyMl,
    ]),
  },
  {
    files: [
      "apps/aggregator/src/main.ts",
      "apps/aggregator/src/pass-worker/worker.ts",
      "apps/aggregator/**/*.db.test.ts",
      "apps/aggregator/scripts/**",
    ],
    rules: rule([heavyMl]),
  },
];

// Only src/env.ts of each app reads the environment (STYLE §6).
export const envAccess = {
  files: ["apps/**/*.ts", "apps/**/*.tsx", "packages/**/*.ts"],
  ignores: [
    "apps/*/src/env.ts",
    "apps/web/next.config.ts",
    "**/*.test.ts",
    "**/scripts/**",
    "packages/*/src/testing/**",
  ],
  rules: {
    "no-restricted-properties": [
      "error",
      {
        object: "process",
        property: "env",
        message:
          "Read configuration in the app's src/env.ts and pass it down as arguments.",
      },
    ],
  },
};
