// The aggregator's decoder for SyncMetricsRequest, the one message on its ingest hot path. It gives
// exactly what the generated SyncMetricsRequest.decode gives (it reads with the same BinaryReader
// calls and hands malformed input to the generated decoder; the aggregator's
// sync-metrics-decoder.test.ts compares both on random messages and random bytes), at less cost:
// an agent sends the same containers in scrape after scrape, so when a batch's container entries
// are byte for byte the ones that agent's previous batch carried, the previous batch's decoded
// ContainerInfo array is returned again (the same array, not a copy) instead of decoding 250
// containers' strings and int64 fields anew. Callers must treat the decoded containers as
// read-only; identity then means "the same containers", which the aggregator's validation and
// container-id caches use.
import { BinaryReader } from "@bufbuild/protobuf/wire";

import {
  AnomalyReport,
  ContainerInfo,
  MetricBatch,
  SyncMetricsRequest,
} from "./gen/kubewise/agent/v1/agent";

/** A container entry the generated code would read differently (see containersOf). */
class NotAligned extends Error {}

type Cached = { bytes: Buffer; containers: ContainerInfo[] };

// The generated code's conversion (via the decimal string, like ts-proto's longToNumber).
function longToNumber(int64: { toString(): string }): number {
  const num = Number(int64.toString());
  if (num > Number.MAX_SAFE_INTEGER)
    throw new Error("Value is larger than Number.MAX_SAFE_INTEGER");
  if (num < Number.MIN_SAFE_INTEGER)
    throw new Error("Value is smaller than Number.MIN_SAFE_INTEGER");
  return num;
}

type Column =
  | "containerIndex"
  | "timestampMs"
  | "cpuUsageCores"
  | "cpuThrottledPeriods"
  | "cpuThrottledSeconds"
  | "memoryWorkingSetBytes"
  | "memoryRssBytes"
  | "memoryLimitBytes"
  | "oomKillCount"
  | "cpuPeriods";

// Field number -> repeated scalar column and whether it is a double (else uint32).
const COLUMNS: Record<number, { key: Column; double: boolean } | undefined> = {
  6: { key: "containerIndex", double: false },
  7: { key: "timestampMs", double: true },
  8: { key: "cpuUsageCores", double: true },
  9: { key: "cpuThrottledPeriods", double: false },
  10: { key: "cpuThrottledSeconds", double: true },
  11: { key: "memoryWorkingSetBytes", double: true },
  12: { key: "memoryRssBytes", double: true },
  13: { key: "memoryLimitBytes", double: true },
  14: { key: "oomKillCount", double: false },
  17: { key: "cpuPeriods", double: false },
};

export type SyncMetricsDecoder = {
  decode: (bytes: Uint8Array) => SyncMetricsRequest;
  /** Batches whose containers were reused from the agent's previous batch (for tests and metrics). */
  readonly reused: number;
};

/**
 * A SyncMetricsRequest decoder that remembers, per agent id, the encoded containers of that agent's
 * last batch and their decoded objects: at most maxContainers containers in all (about 100 bytes
 * encoded and a few hundred decoded each), then it starts over.
 */
export function createSyncMetricsDecoder({
  maxContainers = 200_000,
}: { maxContainers?: number } = {}): SyncMetricsDecoder {
  const cache = new Map<string, Cached>();
  let cachedContainers = 0;
  let reused = 0;

  const decodeBatch = (
    reader: BinaryReader,
    bytes: Uint8Array,
    length: number,
  ): MetricBatch => {
    const end = reader.pos + length;
    const message = MetricBatch.fromPartial({});
    // The container entries (tag 42 and their payloads) when they are one contiguous run.
    let runStart = -1;
    let runEnd = -1;
    let contiguous = true;
    const entries: Uint8Array[] = [];
    while (reader.pos < end) {
      const tagStart = reader.pos;
      const tag = reader.uint32();
      const field = tag >>> 3;
      if (field === 5 && tag === 42) {
        // Bounds-checked like the generated code's nested decode ("premature EOF").
        entries.push(reader.bytes());
        if (runStart < 0) runStart = tagStart;
        else if (runEnd !== tagStart) contiguous = false;
        runEnd = reader.pos;
        continue;
      }
      const column = COLUMNS[field];
      if (column !== undefined) {
        const values = message[column.key];
        if (column.double) {
          if (tag === ((field << 3) | 1)) {
            values.push(reader.double());
            continue;
          }
          if (tag === ((field << 3) | 2)) {
            const end2 = reader.uint32() + reader.pos;
            while (reader.pos < end2) values.push(reader.double());
            continue;
          }
        } else {
          if (tag === field << 3) {
            values.push(reader.uint32());
            continue;
          }
          if (tag === ((field << 3) | 2)) {
            const end2 = reader.uint32() + reader.pos;
            while (reader.pos < end2) values.push(reader.uint32());
            continue;
          }
        }
      } else if (field === 1 && tag === 10) {
        message.agentId = reader.string();
        continue;
      } else if (field === 2 && tag === 18) {
        message.bootId = reader.string();
        continue;
      } else if (field === 3 && tag === 24) {
        message.seq = longToNumber(reader.uint64());
        continue;
      } else if (field === 4 && tag === 34) {
        message.nodeName = reader.string();
        continue;
      } else if (field === 15 && tag === 120) {
        message.droppedBatchesTotal = longToNumber(reader.uint64());
        continue;
      } else if (field === 16 && tag === 130) {
        message.anomalyReport = AnomalyReport.decode(reader, reader.uint32());
        continue;
      }
      if ((tag & 7) === 4 || tag === 0) break;
      reader.skip(tag & 7);
    }
    if (entries.length > 0)
      message.containers = containersOf(
        message.agentId,
        bytes,
        entries,
        contiguous ? bytes.subarray(runStart, runEnd) : undefined,
      );
    return message;
  };

  const containersOf = (
    agentId: string,
    bytes: Uint8Array,
    entries: readonly Uint8Array[],
    run: Uint8Array | undefined,
  ): ContainerInfo[] => {
    const last = run === undefined ? undefined : cache.get(agentId);
    if (run !== undefined && last?.bytes.equals(run) === true) {
      reused++;
      return last.containers;
    }
    // Read in place, like the generated code's nested decode, which stops early at a zero or
    // end-group tag and may read past the declared length; then the batch's next fields start
    // elsewhere than the entry's end, and only the generated decoder gives the same result.
    const reader = new BinaryReader(bytes);
    const containers = entries.map((entry) => {
      reader.pos = entry.byteOffset - bytes.byteOffset;
      const decoded = ContainerInfo.decode(reader, entry.length);
      if (reader.pos !== entry.byteOffset - bytes.byteOffset + entry.length)
        throw new NotAligned();
      return decoded;
    });
    if (run !== undefined) {
      cachedContainers -= cache.get(agentId)?.containers.length ?? 0;
      if (cachedContainers + containers.length > maxContainers) {
        cache.clear();
        cachedContainers = 0;
      }
      cachedContainers += containers.length;
      // A copy: the message buffer belongs to the transport.
      cache.set(agentId, { bytes: Buffer.from(run), containers });
    }
    return containers;
  };

  return {
    decode(bytes) {
      try {
        return decodeRequest(bytes);
      } catch {
        // Malformed input: the generated decoder's own result or error, whatever it is.
        return SyncMetricsRequest.decode(bytes);
      }
    },
    get reused() {
      return reused;
    },
  };

  function decodeRequest(bytes: Uint8Array): SyncMetricsRequest {
    const reader = new BinaryReader(bytes);
    const message: SyncMetricsRequest = { batch: undefined };
    while (reader.pos < reader.len) {
      const tag = reader.uint32();
      if (tag === 10) {
        message.batch = decodeBatch(reader, bytes, reader.uint32());
        continue;
      }
      if ((tag & 7) === 4 || tag === 0) break;
      reader.skip(tag & 7);
    }
    return message;
  }
}
