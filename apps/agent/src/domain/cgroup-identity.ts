// Container identity from a cgroup path, for the systemd and cgroupfs cgroup drivers and the
// containerd, CRI-O and docker runtimes.
export type CgroupIdentity = {
  podUid: string;
  containerId: string;
  runtime: "containerd" | "cri-o" | "docker" | "unknown";
  qosClass: "guaranteed" | "burstable" | "besteffort";
};

const RUNTIME_PREFIXES = {
  "cri-containerd": "containerd",
  crio: "cri-o",
  docker: "docker",
} as const;

// systemd: kubepods-burstable-pod1234_5678.slice ; cgroupfs: pod1234-5678
const POD_SEGMENT =
  /^(?:kubepods(?:-(?:burstable|besteffort))?-)?pod([0-9a-f_-]{32,36})(?:\.slice)?$/;
const CONTAINER_SEGMENT =
  /^(?:(cri-containerd|crio|docker)-)?([0-9a-f]{64})(?:\.scope)?$/;

function qosOf(segments: readonly string[]): CgroupIdentity["qosClass"] {
  for (const segment of segments) {
    if (segment.includes("besteffort")) return "besteffort";
    if (segment.includes("burstable")) return "burstable";
  }
  return "guaranteed";
}

/** Returns undefined for paths that are not a Kubernetes container (pod slices, conmon, system). */
export function parseCgroupIdentity(path: string): CgroupIdentity | undefined {
  const segments = path.split("/").filter((s) => s !== "");
  const last = segments.at(-1);
  const parent = segments.at(-2);
  if (last === undefined || parent === undefined) return undefined;
  if (!segments.some((s) => s.startsWith("kubepods"))) return undefined;
  const container = CONTAINER_SEGMENT.exec(last);
  const pod = POD_SEGMENT.exec(parent);
  if (container?.[2] === undefined || pod?.[1] === undefined) return undefined;
  const prefix = container[1] as keyof typeof RUNTIME_PREFIXES | undefined;
  return {
    podUid: pod[1].replaceAll("_", "-"),
    containerId: container[2],
    runtime: prefix === undefined ? "unknown" : RUNTIME_PREFIXES[prefix],
    qosClass: qosOf(segments),
  };
}
