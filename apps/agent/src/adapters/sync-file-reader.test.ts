import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

import { afterEach, beforeEach, describe, expect, it } from "vitest";

import { createSyncFileReader } from "./sync-file-reader";

let dir = "";
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), "kw-reader-"));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

const openFds = () => readdirSync("/proc/self/fd").length;

describe("createSyncFileReader", () => {
  it.each([
    ["kept open", 16],
    ["over the open-file cap", 0],
  ])(
    "rereads the current contents through a descriptor %s",
    (_name, maxOpenFiles) => {
      const path = join(dir, "memory.current");
      writeFileSync(path, "100\n");
      const reader = createSyncFileReader({ maxOpenFiles });
      expect(reader.read(path)).toBe("100\n");
      writeFileSync(path, "250\n");
      expect(reader.read(path)).toBe("250\n");
      reader.close();
    },
  );

  it("returns undefined for a missing file and keeps nothing open for it", () => {
    const reader = createSyncFileReader();
    const before = openFds();
    expect(reader.read(join(dir, "gone", "cpu.stat"))).toBeUndefined();
    expect(openFds()).toBe(before);
  });

  it("keeps one descriptor per file until forget or close", () => {
    const reader = createSyncFileReader();
    const paths = ["a", "b"].map((name) => join(dir, name));
    for (const path of paths) writeFileSync(path, name(path));
    const before = openFds();
    for (let i = 0; i < 3; i++) for (const path of paths) reader.read(path);
    expect(openFds()).toBe(before + 2);
    reader.forget(paths[0] ?? "");
    expect(openFds()).toBe(before + 1);
    reader.close();
    expect(openFds()).toBe(before);
  });

  it("reads a file recreated under the same path afresh after forget", () => {
    const path = join(dir, "cpu.stat");
    writeFileSync(path, "usage_usec 1\n");
    const reader = createSyncFileReader();
    expect(reader.read(path)).toBe("usage_usec 1\n");
    rmSync(path);
    writeFileSync(path, "usage_usec 2\n");
    reader.forget(path);
    expect(reader.read(path)).toBe("usage_usec 2\n");
    reader.close();
  });
});

function name(path: string): string {
  return path.slice(path.lastIndexOf("/") + 1);
}
