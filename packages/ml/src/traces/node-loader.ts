// Node-only: file I/O for tidy trace folders. Parsing itself stays in the pure modules.
import { createReadStream } from "node:fs";
import { readdir, stat } from "node:fs/promises";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { createGunzip } from "node:zlib";

import type { TraceSeries } from "./series-builder";
import { TraceSeriesBuilder } from "./series-builder";
import type { TidyParser } from "./tidy-format";
import { createTidyParser, isTidyHeader } from "./tidy-format";

export type LoadedTraces = {
  series: TraceSeries[];
  files: string[];
  rejectedRows: number;
  firstRejection: string | null;
};

/** Every *.csv / *.csv.gz under `dir` (recursively) whose header is a tidy usage header, sorted by path. */
export async function findTidyFiles(dir: string): Promise<string[]> {
  const info = await stat(dir).catch((cause: unknown) => {
    throw new Error(`trace folder ${dir} is not readable`, { cause });
  });
  if (!info.isDirectory()) throw new Error(`trace path ${dir} is not a folder`);
  const candidates: string[] = [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile() || !/\.csv(\.gz)?$/.test(entry.name)) continue;
    candidates.push(join(entry.parentPath, entry.name));
  }
  candidates.sort();
  const tidy: string[] = [];
  for (const file of candidates) {
    if (isTidyHeader(await readHeader(file))) tidy.push(file);
  }
  return tidy;
}

async function readHeader(file: string): Promise<string> {
  for await (const line of openLines(file)) return line;
  return "";
}

function openLines(file: string): AsyncIterable<string> {
  const raw = createReadStream(file);
  const input = file.endsWith(".gz") ? raw.pipe(createGunzip()) : raw;
  return createInterface({ input, crlfDelay: Number.POSITIVE_INFINITY });
}

type LoadState = {
  builder: TraceSeriesBuilder;
  rejectedRows: number;
  firstRejection: string | null;
};
type LoadOptions = {
  onProgress?: (message: string) => void;
  filter?: (seriesId: string) => boolean;
};

/** Streams every tidy file of `dir` into series (grouped across files, sorted, deduplicated). */
export async function loadTraceFolder(
  dir: string,
  options: LoadOptions = {},
): Promise<LoadedTraces> {
  const files = await findTidyFiles(dir);
  if (files.length === 0) {
    throw new Error(
      `no tidy trace files (*.csv, *.csv.gz with series_id,timestamp_s,...) under ${dir}`,
    );
  }
  const state: LoadState = {
    builder: new TraceSeriesBuilder(),
    rejectedRows: 0,
    firstRejection: null,
  };
  for (const [n, file] of files.entries()) {
    await loadFile(file, state, options.filter);
    options.onProgress?.(`loaded ${n + 1}/${files.length} ${file}`);
  }
  const { builder, rejectedRows, firstRejection } = state;
  return { series: builder.finishAll(), files, rejectedRows, firstRejection };
}

async function loadFile(
  file: string,
  state: LoadState,
  filter?: (seriesId: string) => boolean,
): Promise<void> {
  let parser: TidyParser | null = null;
  let lineNo = 0;
  for await (const line of openLines(file)) {
    lineNo++;
    if (parser === null) {
      parser = createTidyParser(line);
      continue;
    }
    if (line === "") continue;
    const row = parser.parseLine(line);
    if ("error" in row) {
      state.rejectedRows++;
      state.firstRejection ??= `${file}:${lineNo}: ${row.error}`;
    } else if (!filter || filter(row.seriesId)) {
      state.builder.add(row, parser.unitSystem);
    }
  }
}
