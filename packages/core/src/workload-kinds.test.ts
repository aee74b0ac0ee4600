import { describe, expect, it } from "vitest";

import {
  APPLICABLE_WORKLOAD_KINDS,
  getApplySupport,
  podTemplatePath,
} from "./workload-kinds";

describe("getApplySupport", () => {
  it.each(APPLICABLE_WORKLOAD_KINDS)("applies to a %s", (kind) => {
    expect(getApplySupport(kind)).toEqual({ supported: true, kind });
  });

  it.each([
    ["Job", /immutable/],
    ["ReplicaSet", /never rolls its template out/],
    ["Pod", /no template/],
    ["Rollout", /Deployment, StatefulSet, DaemonSet, CronJob only/],
  ])("refuses a %s with a reason", (kind, reason) => {
    const support = getApplySupport(kind);
    expect(support.supported).toBe(false);
    if (!support.supported) expect(support.reason).toMatch(reason);
  });

  it("finds a CronJob's pod template in its jobTemplate", () => {
    expect(podTemplatePath("CronJob")).toEqual([
      "spec",
      "jobTemplate",
      "spec",
      "template",
    ]);
    expect(podTemplatePath("StatefulSet")).toEqual(["spec", "template"]);
  });
});
