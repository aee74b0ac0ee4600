// The model the aggregator assigned, kept on disk so a restarted agent scores with it at once.
import { mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join } from "node:path";

import type { ModelFile } from "../../domain/types";

export type ModelStore = {
  /** "" when the agent runs the model it shipped with. */
  version(): string;
  load(): ModelFile | undefined;
  save(model: ModelFile): void;
};

const VERSION_PATTERN = /^[0-9a-zA-Z._-]{1,64}$/;

function readIfPresent(path: string): Buffer | undefined {
  try {
    return readFileSync(path);
  } catch (error) {
    if (error instanceof Error && "code" in error && error.code === "ENOENT")
      return undefined;
    throw error;
  }
}

export function openModelStore(dir: string): ModelStore {
  mkdirSync(dir, { recursive: true });
  const modelPath = join(dir, "model.onnx");
  const versionPath = join(dir, "model.version");
  const load = (): ModelFile | undefined => {
    const version = readIfPresent(versionPath)?.toString("utf8").trim();
    const onnx = readIfPresent(modelPath);
    if (version === undefined || onnx === undefined) return undefined;
    return VERSION_PATTERN.test(version)
      ? { version, onnx: new Uint8Array(onnx) }
      : undefined;
  };
  let current = load()?.version ?? "";
  return {
    version: () => current,
    load,
    save(model) {
      if (!VERSION_PATTERN.test(model.version))
        throw new Error(
          `model version ${JSON.stringify(model.version)} is not a registry version`,
        );
      // Model first, then its version: a crash in between leaves the old version naming a newer
      // file, which the next poll replaces (the aggregator sends the model when versions differ).
      writeFileSync(`${modelPath}.tmp`, model.onnx);
      renameSync(`${modelPath}.tmp`, modelPath);
      writeFileSync(`${versionPath}.tmp`, model.version);
      renameSync(`${versionPath}.tmp`, versionPath);
      current = model.version;
    },
  };
}
