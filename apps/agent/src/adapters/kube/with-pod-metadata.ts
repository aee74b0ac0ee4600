import type { ContainerMeta, MetricsSource } from "../../domain/types";

export type PodMetadataLookup = (
  meta: Pick<ContainerMeta, "podUid" | "containerId" | "containerName">,
) => ContainerMeta | undefined;

/** Replaces each sample's metadata with the API server's (names, owning workload, requests/limits) when known. */
export function withPodMetadata(
  source: MetricsSource,
  lookup: PodMetadataLookup,
): MetricsSource {
  return {
    kind: source.kind,
    async collect(nowMs) {
      const scrape = await source.collect(nowMs);
      for (const sample of scrape.samples) {
        const meta = lookup(sample.meta);
        if (meta !== undefined) sample.meta = meta;
      }
      return scrape;
    },
  };
}
