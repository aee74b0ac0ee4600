import { describe, expect, it } from "vitest";

import { parseCgroupIdentity } from "./cgroup-identity";

const ID = "4f6a0b2c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3b2c1d0e9f8a7b6c5d4e3f2a";
const UID = "0e7d2c4a-1b3f-4d5e-8f9a-0b1c2d3e4f5a";
const UID_ = UID.replaceAll("-", "_");

describe("parseCgroupIdentity", () => {
  it.each([
    [
      "systemd + containerd, burstable",
      `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice/cri-containerd-${ID}.scope`,
      "containerd",
      "burstable",
    ],
    [
      "systemd + CRI-O, besteffort",
      `/kubepods.slice/kubepods-besteffort.slice/kubepods-besteffort-pod${UID_}.slice/crio-${ID}.scope`,
      "cri-o",
      "besteffort",
    ],
    [
      "systemd + docker, guaranteed",
      `/kubepods.slice/kubepods-pod${UID_}.slice/docker-${ID}.scope`,
      "docker",
      "guaranteed",
    ],
    [
      "cgroupfs driver, burstable",
      `/kubepods/burstable/pod${UID}/${ID}`,
      "unknown",
      "burstable",
    ],
    [
      "cgroupfs driver, guaranteed",
      `/kubepods/pod${UID}/${ID}`,
      "unknown",
      "guaranteed",
    ],
    [
      "cgroup v1 memory hierarchy prefix",
      `/sys/fs/cgroup/memory/kubepods/besteffort/pod${UID}/${ID}`,
      "unknown",
      "besteffort",
    ],
    [
      "cgroupfs driver + CRI-O",
      `/kubepods/burstable/pod${UID}/crio-${ID}`,
      "cri-o",
      "burstable",
    ],
  ])("identifies %s", (_name, path, runtime, qosClass) => {
    expect(parseCgroupIdentity(path)).toEqual({
      podUid: UID,
      containerId: ID,
      runtime,
      qosClass,
    });
  });

  it.each([
    [
      "pod slice itself",
      `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID_}.slice`,
    ],
    [
      "CRI-O conmon scope",
      `/kubepods.slice/kubepods-pod${UID_}.slice/crio-conmon-${ID}.scope`,
    ],
    ["system service", `/system.slice/containerd.service`],
    ["non-kubernetes container", `/docker/${ID}`],
    ["empty path", "/"],
  ])("ignores %s", (_name, path) => {
    expect(parseCgroupIdentity(path)).toBeUndefined();
  });
});
