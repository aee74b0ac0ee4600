// Reproducible OCI image archives without a container engine: layer tars with sorted entries,
// fixed mtimes and root ownership, gzip with a zero header mtime, and an archive that holds both
// the OCI layout (index.json) and Docker's manifest.json, so `ctr images import`, `docker load`
// and `podman load` all accept it.
import { createHash } from "node:crypto";
import { createWriteStream, existsSync } from "node:fs";
import {
  chmod,
  mkdir,
  readFile,
  rename,
  rm,
  stat,
  symlink,
  writeFile,
} from "node:fs/promises";
import path from "node:path";
import { pipeline } from "node:stream/promises";
import { gzipSync } from "node:zlib";

import tar, { type Header } from "tar-stream";

export type LayerEntry =
  | { kind: "dir"; path: string; mode?: number; uid?: number }
  | { kind: "file"; path: string; mode?: number; data: Buffer; uid?: number }
  | { kind: "symlink"; path: string; target: string };

export type Layer = {
  /** sha256 of the uncompressed tar (config rootfs.diff_ids). */
  diffId: string;
  /** sha256 of the gzipped blob (manifest layers[].digest). */
  digest: string;
  size: number;
  blobPath: string;
  comment: string;
  /** What the layer holds (for --rootfs, which writes it to a folder instead). */
  entries: readonly LayerEntry[];
};

export type ImageSpec = {
  ref: string;
  layers: Layer[];
  created: string;
  config: {
    User: string;
    Env: string[];
    Entrypoint: string[];
    Cmd?: string[];
    WorkingDir: string;
    ExposedPorts?: Record<string, Record<string, never>>;
    Labels: Record<string, string>;
  };
};

export type BuiltImage = {
  ref: string;
  digest: string;
  bytes: number;
  archive: string;
};

const sha256 = (data: Buffer | string): string =>
  `sha256:${createHash("sha256").update(data).digest("hex")}`;

function normalise(entryPath: string): string {
  return entryPath.replace(/^\/+/, "").replace(/\/+$/, "");
}

/** Adds every missing parent directory, de-duplicates, and sorts entries by path. */
function completeTree(entries: readonly LayerEntry[]): LayerEntry[] {
  const byPath = new Map<string, LayerEntry>();
  for (const entry of entries) {
    const p = normalise(entry.path);
    const parts = p.split("/");
    for (let i = 1; i < parts.length; i += 1) {
      const dir = parts.slice(0, i).join("/");
      if (!byPath.has(dir)) byPath.set(dir, { kind: "dir", path: dir });
    }
    byPath.set(p, { ...entry, path: p });
  }
  return [...byPath.values()].sort((a, b) =>
    a.path < b.path ? -1 : a.path > b.path ? 1 : 0,
  );
}

function toHeader(
  entry: LayerEntry,
  mtime: Date,
): Partial<Header> & { name: string } {
  const common = { name: entry.path, mtime, uname: "", gname: "" };
  switch (entry.kind) {
    case "dir":
      return {
        ...common,
        name: `${entry.path}/`,
        type: "directory",
        mode: entry.mode ?? 0o755,
        uid: entry.uid ?? 0,
        gid: entry.uid ?? 0,
      };
    case "file":
      return {
        ...common,
        type: "file",
        mode: entry.mode ?? 0o644,
        uid: entry.uid ?? 0,
        gid: entry.uid ?? 0,
        size: entry.data.length,
      };
    case "symlink":
      return {
        ...common,
        type: "symlink",
        mode: 0o777,
        uid: 0,
        gid: 0,
        linkname: entry.target,
      };
  }
}

async function toTar(entries: readonly LayerEntry[], mtime: Date) {
  const pack = tar.pack();
  const chunks: Buffer[] = [];
  pack.on("data", (chunk: unknown) => chunks.push(chunk as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    pack.on("end", resolve);
    pack.on("error", reject);
  });
  for (const entry of completeTree(entries)) {
    if (entry.kind === "file") pack.entry(toHeader(entry, mtime), entry.data);
    else pack.entry(toHeader(entry, mtime));
  }
  pack.finalize();
  await done;
  return Buffer.concat(chunks);
}

/**
 * Builds one layer. Gzipped blobs are cached by the tar's digest in `cacheDir`, so an unchanged
 * layer (the Node runtime, the shared libraries) is compressed once per machine.
 */
export async function buildLayer(options: {
  entries: readonly LayerEntry[];
  mtime: Date;
  cacheDir: string;
  comment: string;
}): Promise<Layer> {
  const tarball = await toTar(options.entries, options.mtime);
  const diffId = sha256(tarball);
  await mkdir(options.cacheDir, { recursive: true });
  const blobPath = path.join(
    options.cacheDir,
    `${diffId.slice("sha256:".length)}.tar.gz`,
  );
  let gz: Buffer;
  if (existsSync(blobPath)) {
    gz = await readFile(blobPath);
  } else {
    gz = gzipSync(tarball, { level: 6 });
    await writeFile(`${blobPath}.tmp`, gz);
    await rename(`${blobPath}.tmp`, blobPath);
  }
  return {
    diffId,
    digest: sha256(gz),
    size: gz.length,
    blobPath,
    comment: options.comment,
    entries: options.entries,
  };
}

type Descriptor = {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
};

function imageConfig(spec: ImageSpec): string {
  return JSON.stringify({
    created: spec.created,
    architecture: "amd64",
    os: "linux",
    config: spec.config,
    rootfs: { type: "layers", diff_ids: spec.layers.map((l) => l.diffId) },
    history: spec.layers.map((l) => ({
      created: spec.created,
      created_by: l.comment,
    })),
  });
}

/** Writes `<outDir>/<name>.oci.tar` and returns its manifest digest and size. */
export async function writeImageArchive(
  spec: ImageSpec,
  archive: string,
): Promise<BuiltImage> {
  const config = Buffer.from(imageConfig(spec));
  const configDesc: Descriptor = {
    mediaType: "application/vnd.oci.image.config.v1+json",
    digest: sha256(config),
    size: config.length,
  };
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: configDesc,
      layers: spec.layers.map((l) => ({
        mediaType: "application/vnd.oci.image.layer.v1.tar+gzip",
        digest: l.digest,
        size: l.size,
      })),
      annotations: {
        "org.opencontainers.image.created": spec.created,
      },
    }),
  );
  const manifestDigest = sha256(manifest);
  const tag = spec.ref.slice(spec.ref.lastIndexOf(":") + 1);
  const index = {
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: [
      {
        mediaType: "application/vnd.oci.image.manifest.v1+json",
        digest: manifestDigest,
        size: manifest.length,
        annotations: {
          "io.containerd.image.name": spec.ref,
          "org.opencontainers.image.ref.name": tag,
        },
      },
    ],
  };
  const blob = (digest: string) => `blobs/sha256/${digest.slice(7)}`;
  const dockerManifest = [
    {
      Config: blob(configDesc.digest),
      RepoTags: [spec.ref],
      Layers: spec.layers.map((l) => blob(l.digest)),
    },
  ];

  const files: { name: string; data: Buffer }[] = [
    { name: "oci-layout", data: Buffer.from('{"imageLayoutVersion":"1.0.0"}') },
    { name: "index.json", data: Buffer.from(JSON.stringify(index)) },
    {
      name: "manifest.json",
      data: Buffer.from(JSON.stringify(dockerManifest)),
    },
    { name: blob(manifestDigest), data: manifest },
    { name: blob(configDesc.digest), data: config },
  ];
  const seen = new Set<string>();
  for (const layer of spec.layers) {
    if (seen.has(layer.digest)) continue;
    seen.add(layer.digest);
    files.push({
      name: blob(layer.digest),
      data: await readFile(layer.blobPath),
    });
  }

  await mkdir(path.dirname(archive), { recursive: true });
  const mtime = new Date(spec.created);
  const pack = tar.pack();
  const written = pipeline(pack, createWriteStream(`${archive}.tmp`));
  for (const dir of ["blobs/", "blobs/sha256/"])
    pack.entry({ name: dir, type: "directory", mode: 0o755, mtime });
  for (const file of files)
    pack.entry(
      { name: file.name, mode: 0o644, mtime, size: file.data.length },
      file.data,
    );
  pack.finalize();
  await written;
  await rename(`${archive}.tmp`, archive);
  const { size: bytes } = await stat(archive);
  return { ref: spec.ref, digest: manifestDigest, bytes, archive };
}

/** Writes the layers' files into `dir` (later layers win): the image's filesystem, for a Dockerfile's COPY. */
export async function writeRootfs(
  layers: readonly Layer[],
  dir: string,
): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  for (const entry of completeTree(layers.flatMap((l) => l.entries))) {
    const target = path.join(dir, entry.path);
    switch (entry.kind) {
      case "dir":
        await mkdir(target, { recursive: true });
        await chmod(target, entry.mode ?? 0o755);
        break;
      case "file":
        await writeFile(target, entry.data, { mode: entry.mode ?? 0o644 });
        break;
      case "symlink":
        await symlink(entry.target, target);
        break;
    }
  }
}
