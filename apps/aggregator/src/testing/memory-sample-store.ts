import type { AgentRegistration, SampleStore } from "../domain/batch";

/** In-memory SampleStore for unit tests: exactly-once by batch key, with hooks to slow or fail it. */
export function createMemorySampleStore() {
  const batches = new Map<string, number>();
  const containers = new Map<string, string>();
  const registrations: AgentRegistration[] = [];
  const state = {
    active: 0,
    maxActive: 0,
    failNext: 0,
    gate: undefined as Promise<void> | undefined,
  };
  const store: SampleStore = {
    registerAgent: (agent) => {
      registrations.push(agent);
      return Promise.resolve();
    },
    resolveContainerIds: (list) =>
      Promise.resolve(
        list.map((c) => {
          const key = `${c.namespace}/${c.workloadKind}/${c.workloadName}/${c.containerName}`;
          const id = containers.get(key) ?? `c-${containers.size}`;
          containers.set(key, id);
          return id;
        }),
      ),
    async insertBatches(group) {
      state.active++;
      state.maxActive = Math.max(state.maxActive, state.active);
      try {
        await state.gate;
        if (state.failNext > 0) {
          state.failNext--;
          throw new Error("connection terminated");
        }
        return group.map((batch) => {
          const key = `${batch.agentId}/${batch.bootId}/${batch.seq}`;
          if (batches.has(key)) return { duplicate: true, storedSamples: 0 };
          batches.set(key, batch.samples.timestampMs.length);
          return {
            duplicate: false,
            storedSamples: batch.samples.timestampMs.length,
          };
        });
      } finally {
        state.active--;
      }
    },
  };
  return { store, batches, state, registrations };
}
