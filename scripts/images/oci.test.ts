import { createHash } from "node:crypto";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { gunzipSync } from "node:zlib";

import tar from "tar-stream";
import { describe, expect, it } from "vitest";

import { buildLayer, writeImageArchive, type LayerEntry } from "./oci";

const MTIME = new Date("2026-01-02T03:04:05Z");
const entries: LayerEntry[] = [
  {
    kind: "file",
    path: "/app/dist/main.js",
    data: Buffer.from("x"),
    mode: 0o644,
  },
  { kind: "symlink", path: "bin/sh", target: "busybox" },
  { kind: "file", path: "bin/busybox", data: Buffer.from("bb"), mode: 0o755 },
];

async function listTar(data: Buffer) {
  const names: { name: string; mtime?: Date; uid?: number }[] = [];
  const extract = tar.extract();
  extract.on("entry", (header, stream, next) => {
    names.push({ name: header.name, mtime: header.mtime, uid: header.uid });
    stream.on("end", next);
    stream.resume();
  });
  const done = new Promise<void>((resolve) =>
    extract.on("finish", () => resolve()),
  );
  extract.end(data);
  await done;
  return names;
}

const sha = (b: Buffer) =>
  `sha256:${createHash("sha256").update(b).digest("hex")}`;

describe("OCI image archives", () => {
  it("builds the same layer digest from the same entries in any order", async () => {
    const cacheDir = mkdtempSync(path.join(tmpdir(), "kw-oci-"));
    const a = await buildLayer({
      entries,
      mtime: MTIME,
      cacheDir,
      comment: "a",
    });
    const b = await buildLayer({
      entries: [...entries].reverse(),
      mtime: MTIME,
      cacheDir: mkdtempSync(path.join(tmpdir(), "kw-oci-")),
      comment: "b",
    });
    expect(b.digest).toBe(a.digest);
    expect(b.diffId).toBe(a.diffId);
    const later = await buildLayer({
      entries,
      mtime: new Date(MTIME.getTime() + 1000),
      cacheDir,
      comment: "c",
    });
    expect(later.diffId).not.toBe(a.diffId);
  });

  it("writes sorted entries with parent directories, fixed mtimes and root ownership", async () => {
    const cacheDir = mkdtempSync(path.join(tmpdir(), "kw-oci-"));
    const layer = await buildLayer({
      entries,
      mtime: MTIME,
      cacheDir,
      comment: "a",
    });
    const raw = gunzipSync(readFileSync(layer.blobPath));
    expect(sha(raw)).toBe(layer.diffId);
    const listed = await listTar(raw);
    expect(listed.map((e) => e.name)).toEqual([
      "app/",
      "app/dist/",
      "app/dist/main.js",
      "bin/",
      "bin/busybox",
      "bin/sh",
    ]);
    expect(new Set(listed.map((e) => e.mtime?.getTime()))).toEqual(
      new Set([MTIME.getTime()]),
    );
    expect(new Set(listed.map((e) => e.uid))).toEqual(new Set([0]));
  });

  it("writes an archive whose index, manifest and config agree", async () => {
    const dir = mkdtempSync(path.join(tmpdir(), "kw-oci-"));
    const layer = await buildLayer({
      entries,
      mtime: MTIME,
      cacheDir: dir,
      comment: "a",
    });
    const image = await writeImageArchive(
      {
        ref: "localhost/kubewise/test:1",
        created: MTIME.toISOString(),
        layers: [layer],
        config: {
          User: "65532:65532",
          Env: [],
          Entrypoint: ["/bin/sh"],
          WorkingDir: "/",
          Labels: { "org.opencontainers.image.title": "t" },
        },
      },
      path.join(dir, "t.oci.tar"),
    );
    const files = new Map<string, Buffer>();
    const extract = tar.extract();
    extract.on("entry", (header, stream, next) => {
      const chunks: Buffer[] = [];
      stream.on("data", (c: unknown) => chunks.push(c as Buffer));
      stream.on("end", () => {
        files.set(header.name, Buffer.concat(chunks));
        next();
      });
    });
    const done = new Promise<void>((resolve) =>
      extract.on("finish", () => resolve()),
    );
    extract.end(readFileSync(image.archive));
    await done;
    const blob = (d: string) =>
      files.get(`blobs/sha256/${d.slice(7)}`) ?? Buffer.alloc(0);
    const index = JSON.parse(String(files.get("index.json"))) as {
      manifests: { digest: string; annotations: Record<string, string> }[];
    };
    expect(index.manifests[0]?.digest).toBe(image.digest);
    expect(index.manifests[0]?.annotations["io.containerd.image.name"]).toBe(
      "localhost/kubewise/test:1",
    );
    const manifestBytes = blob(image.digest);
    expect(sha(manifestBytes)).toBe(image.digest);
    const manifest = JSON.parse(String(manifestBytes)) as {
      config: { digest: string };
      layers: { digest: string }[];
    };
    const config = JSON.parse(String(blob(manifest.config.digest))) as {
      rootfs: { diff_ids: string[] };
      config: { User: string };
    };
    expect(config.rootfs.diff_ids).toEqual([layer.diffId]);
    expect(config.config.User).toBe("65532:65532");
    expect(sha(blob(manifest.layers[0]?.digest ?? ""))).toBe(layer.digest);
    const docker = JSON.parse(String(files.get("manifest.json"))) as {
      RepoTags: string[];
    }[];
    expect(docker[0]?.RepoTags).toEqual(["localhost/kubewise/test:1"]);
  });
});
