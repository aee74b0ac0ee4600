import fc from "fast-check";
import { describe, expect, it } from "vitest";

import {
  coordinateWithHpa,
  retarget,
  RETARGET_BOUNDS,
  RETARGET_MAX_DRIFT,
  type HpaMode,
  type HpaObservation,
} from "./hpa";

const cpuHpa = (averageUtilization: number): HpaObservation => ({
  namespace: "shop",
  name: "web",
  targetKind: "Deployment",
  targetName: "web",
  minReplicas: 2,
  maxReplicas: 50,
  currentReplicas: 4,
  metrics: [
    {
      source: "Resource",
      resource: "cpu",
      targetType: "Utilization",
      averageUtilization,
    },
  ],
});

/**
 * The loop of KRR's PR #80 on one workload with a steady total CPU load: the HPA settles at
 * ceil(load / (target x request)) replicas (its own formula at steady state), the recommender sizes
 * the request to per-pod usage plus a margin, and the request it proposes is applied before the next
 * pass (together with the HPA change the plan asks for). Returns the state after each pass.
 */
function simulate(input: {
  mode: HpaMode | "uncoordinated";
  loadMillicores: number;
  request: number;
  utilization: number;
  margin: number;
  passes: number;
}): { request: number; utilization: number; replicas: number }[] {
  const hpa = cpuHpa(input.utilization);
  let request = input.request;
  let utilization = input.utilization;
  const replicasOf = (r: number, u: number): number =>
    Math.min(
      hpa.maxReplicas,
      Math.max(
        hpa.minReplicas,
        Math.ceil(input.loadMillicores / ((r * u) / 100)),
      ),
    );
  const states = [];
  for (let pass = 0; pass < input.passes; pass += 1) {
    const replicas = replicasOf(request, utilization);
    const proposed = Math.ceil(
      (input.loadMillicores / replicas) * input.margin,
    );
    if (input.mode === "uncoordinated") request = proposed;
    else {
      const plan = coordinateWithHpa({
        hpa: {
          ...hpa,
          metrics: [{ ...hpa.metrics[0]!, averageUtilization: utilization }],
        },
        mode: input.mode,
        container: "app",
        containersInPod: 1,
        current: { cpu: request, memory: 512 * 2 ** 20 },
        proposed: { cpu: proposed, memory: 512 * 2 ** 20 },
      });
      const cpu = plan.resources.find((r) => r.resource === "cpu");
      expect(cpu).toBeDefined();
      if (cpu?.action === "retarget") {
        request = cpu.requestTo;
        utilization = cpu.utilizationTo;
      }
    }
    states.push({
      request,
      utilization,
      replicas: replicasOf(request, utilization),
    });
  }
  return states;
}

describe("HPA coordination: the request/utilisation loop", () => {
  const start = {
    loadMillicores: 6000,
    request: 1000,
    utilization: 70,
    margin: 1.15,
    passes: 8,
  };

  it("spirals without coordination: the request keeps falling until the HPA runs out of replicas", () => {
    const states = simulate({ ...start, mode: "uncoordinated", passes: 12 });
    // 9 replicas before the first pass; each pass: request x ~0.8 (70 % x 1.15), replicas up.
    for (let i = 1; i < 6; i += 1) {
      expect(states[i]!.request).toBeLessThan(states[i - 1]!.request);
      expect(states[i]!.replicas).toBeGreaterThan(states[i - 1]!.replicas);
    }
    expect(states[0]!.replicas).toBeGreaterThan(9);
    expect(states.at(-1)!.replicas).toBe(50);
    expect(states.at(-1)!.request).toBeLessThan(start.request / 4);
  });

  it("leave-alone: the request and the replica count never move", () => {
    const states = simulate({ ...start, mode: "leave-alone" });
    expect(new Set(states.map((s) => JSON.stringify(s))).size).toBe(1);
    expect(states[0]).toEqual({ request: 1000, utilization: 70, replicas: 9 });
  });

  it("retarget: one step to a fixed point; the scale point and the replica count stay", () => {
    const states = simulate({ ...start, mode: "retarget" });
    // 700m per pod at 70 %: per-pod usage 667m x 1.15 = 767m wants 91 % -> bounded to 90 %.
    expect(states[0]).toEqual({ request: 778, utilization: 90, replicas: 9 });
    expect(new Set(states.map((s) => JSON.stringify(s))).size).toBe(1);
  });

  it("retarget converges from any start: fixed point by the second pass, target bounded, scale point kept to rounding", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 100, max: 100_000 }),
        fc.integer({ min: 50, max: 8000 }),
        fc.integer({ min: 20, max: 100 }),
        fc.double({ min: 1, max: 2, noNaN: true }),
        (loadMillicores, request, utilization, margin) => {
          const states = simulate({
            mode: "retarget",
            loadMillicores,
            request,
            utilization,
            margin,
            passes: 6,
          });
          const scalePoint = (request * utilization) / 100;
          for (const s of states.slice(1)) expect(s).toEqual(states[1]);
          const last = states.at(-1)!;
          const moved = last.utilization !== utilization;
          if (moved) {
            expect(last.utilization).toBeGreaterThanOrEqual(
              RETARGET_BOUNDS.min,
            );
            expect(last.utilization).toBeLessThanOrEqual(RETARGET_BOUNDS.max);
          }
          const kept = (last.request * last.utilization) / 100;
          expect(kept).toBeGreaterThanOrEqual(scalePoint - 1e-9);
          expect(kept - scalePoint).toBeLessThanOrEqual(
            scalePoint * RETARGET_MAX_DRIFT + 1e-9,
          );
        },
      ),
      { numRuns: 500 },
    );
  });
});

describe("coordinateWithHpa", () => {
  const base = {
    hpa: cpuHpa(80),
    container: "app",
    containersInPod: 1,
    current: { cpu: 1000, memory: 1024 },
    proposed: { cpu: 500, memory: 512 },
  };

  it("retarget keeps utilisation x request (80 % of 1000m = 160 % of 500m -> 90 %, 889m)", () => {
    expect(
      retarget({
        requestFrom: 1000,
        utilizationFrom: 80,
        requestProposed: 500,
      }),
    ).toEqual({
      utilizationTo: 90,
      requestTo: 889,
    });
    const plan = coordinateWithHpa({ ...base, mode: "retarget" });
    expect(plan.resources).toEqual([
      expect.objectContaining({
        resource: "cpu",
        action: "retarget",
        requestFrom: 1000,
        requestTo: 889,
        utilizationFrom: 80,
        utilizationTo: 90,
      }),
    ]);
    expect(plan.lowConfidence).toBeNull();
  });

  it("leave-alone keeps the scaled resource's request and says why; memory is not covered", () => {
    const plan = coordinateWithHpa({ ...base, mode: "leave-alone" });
    expect(plan.resources).toEqual([
      expect.objectContaining({
        resource: "cpu",
        action: "keep-request",
        requestFrom: 1000,
      }),
    ]);
    expect(plan.resources[0]!.reason).toMatch(/leave-alone/);
  });

  it("a pod-wide metric on a multi-container pod is kept even in retarget mode", () => {
    const plan = coordinateWithHpa({
      ...base,
      containersInPod: 2,
      mode: "retarget",
    });
    expect(plan.resources[0]).toMatchObject({ action: "keep-request" });
    expect(plan.resources[0]!.reason).toMatch(/summed request/);
  });

  it("a ContainerResource metric covers only its own container", () => {
    const hpa: HpaObservation = {
      ...cpuHpa(80),
      metrics: [
        {
          source: "ContainerResource",
          resource: "memory",
          container: "sidecar",
          targetType: "Utilization",
          averageUtilization: 75,
        },
      ],
    };
    expect(
      coordinateWithHpa({ ...base, hpa, mode: "retarget" }).resources,
    ).toEqual([]);
    const own = coordinateWithHpa({
      ...base,
      hpa,
      container: "sidecar",
      containersInPod: 2,
      mode: "retarget",
    });
    expect(own.resources[0]).toMatchObject({
      resource: "memory",
      action: "retarget",
    });
  });

  it("external and object metrics and a missing request give a low-confidence reason, not a crash", () => {
    const hpa: HpaObservation = {
      ...cpuHpa(80),
      metrics: [
        ...cpuHpa(80).metrics,
        {
          source: "External",
          targetType: "AverageValue",
          metricName: "queue_depth",
        },
        { source: "Object", targetType: "Value" },
      ],
    };
    const plan = coordinateWithHpa({
      ...base,
      hpa,
      current: { cpu: null, memory: 1024 },
      mode: "retarget",
    });
    expect(plan.resources).toEqual([]);
    expect(plan.lowConfidence).toMatch(/no cpu request/);
    expect(plan.lowConfidence).toMatch(
      /external metric queue_depth, object metric \?/,
    );
  });

  it("an AverageValue CPU target is not moved by the request: nothing to coordinate", () => {
    const hpa: HpaObservation = {
      ...cpuHpa(80),
      metrics: [
        { source: "Resource", resource: "cpu", targetType: "AverageValue" },
      ],
    };
    const plan = coordinateWithHpa({ ...base, hpa, mode: "retarget" });
    expect(plan).toMatchObject({ resources: [], lowConfidence: null });
  });
});
