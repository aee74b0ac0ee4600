import { afterAll, beforeAll, describe, expect, it } from "vitest";

import { adminClients, reportOomKill, type TestController } from "./harness";
import {
  appResources as app,
  halfHour,
  NEW,
  ORIGINAL,
  startRolloutEnvironment,
  type RolloutEnvironment,
  type RolloutFixture,
} from "./rollout-fixture";

describe("multi-step rollout on a real API server (pods/resize steps, rollback at any step)", () => {
  const admin = adminClients();
  let env: RolloutEnvironment;
  let namespace: string;
  let t: TestController;
  let fixture: RolloutFixture;
  const podsOf = (name: string) => fixture.podsOf(name);
  const changedPods = (name: string) => fixture.changedPods(name);
  const rec = (name: string) => fixture.rec(name);
  const deploy = (name: string) => fixture.deploy(t, name);
  const observe = (name: string) => fixture.observe(name);
  const auditOf = (name: string) =>
    t.audit
      .filter((a) => a.recommendation === `deployment-${name}`)
      .map((a) => `${a.action}:${a.reason}`);

  beforeAll(async () => {
    env = await startRolloutEnvironment("rollout", {
      identity: "rollout-a",
      leaseDurationSeconds: 5,
    });
    ({ namespace, fixture, t } = env);
  });
  afterAll(async () => {
    await env?.stop();
  });

  it("resizes 1, then 2 of 4 pods in place, then patches the template; an OOM kill at step 2 restores the resized pods exactly (a replaced one is skipped)", async () => {
    const samples = [await observe("web"), await observe("api")];
    const sample = async (at?: Date[]) => {
      for (const add of samples) await add(2, at);
    };
    await sample(halfHour());
    await deploy("web");
    await deploy("api");

    await t.controller.tick();
    expect((await changedPods("web")).length).toBe(1);
    expect((await changedPods("api")).length).toBe(1);
    expect((await rec("web")).status?.canary).toMatchObject({ step: 0 });

    // no sample since the step began: the rollout holds (never promoted on pod status alone)
    await t.controller.tick();
    expect((await rec("web")).status?.canary).toMatchObject({ step: 0 });
    expect((await rec("web")).status?.conditions).toContainEqual(
      expect.objectContaining({ type: "Canary", reason: "AwaitingMetrics" }),
    );
    await sample();
    await t.controller.tick();
    const webStep2 = await changedPods("web");
    expect(webStep2.length).toBe(2);
    expect((await rec("web")).status?.canary).toMatchObject({
      step: 1,
      pods: webStep2,
    });

    // One resized pod is replaced meanwhile (its successor runs the template); the other OOMs.
    await admin.core.deleteNamespacedPod({
      namespace,
      name: webStep2[0] ?? "",
      gracePeriodSeconds: 0,
    });
    await reportOomKill(
      admin,
      { namespace, name: webStep2[1] ?? "" },
      { oomKilled: "app", others: [] },
    );
    await sample();
    await t.controller.tick();

    // web: both resized pods back to the exact previous resources; the template never changed
    expect(await changedPods("web")).toEqual([]);
    for (const pod of await podsOf("web")) expect(app(pod)).toEqual(ORIGINAL);
    const web = await rec("web");
    expect(web.status?.phase).toBe("RolledBack");
    expect(web.status?.rolledBack).toMatchObject({
      reason: "OOMKilled",
      restored: [{ name: "app", ...ORIGINAL }],
    });
    const webDeployment = await admin.apps.readNamespacedDeployment({
      namespace,
      name: "web",
    });
    expect(webDeployment.spec?.template.spec?.containers[0]?.resources).toEqual(
      ORIGINAL,
    );
    expect(auditOf("web")).toEqual(
      expect.arrayContaining([
        "canary:InPlaceResize",
        "rollout-step:InPlaceResize",
        "rollback:OOMKilled",
      ]),
    );

    // api: the last step widened to the pod template (the Deployment's rolling update does the rest)
    const api = await rec("api");
    expect(api.status?.phase).toBe("Applied");
    const apiDeployment = await admin.apps.readNamespacedDeployment({
      namespace,
      name: "api",
    });
    expect(apiDeployment.spec?.template.spec?.containers[0]?.resources).toEqual(
      NEW,
    );
    expect(auditOf("api")).toEqual(
      expect.arrayContaining([
        "canary:InPlaceResize",
        "rollout-step:InPlaceResize",
        "apply:TemplatePatched",
      ]),
    );
  });

  it("rolls back when the agents' samples show CPU throttling above the pre-change baseline", async () => {
    const insertSamples = await observe("batch");
    // baseline: 2 of 100 CFS periods throttled per 10 s sample over the last half hour
    await insertSamples(2, halfHour());
    await deploy("batch");
    await t.controller.tick();
    const canary = (await rec("batch")).status?.canary;
    expect(canary).toMatchObject({ step: 0 });
    expect((await changedPods("batch")).length).toBe(1);

    // the resized pod is throttled hard: 1 of 4 pods at ~100 % shows as 30 % for the workload
    await insertSamples(30, [new Date(), new Date()]);
    await t.controller.tick();

    const rolled = await rec("batch");
    expect(rolled.status?.phase).toBe("RolledBack");
    expect(rolled.status?.rolledBack).toMatchObject({
      reason: "CPUThrottling",
      restored: [{ name: "app", ...ORIGINAL }],
    });
    expect(rolled.status?.rolledBack?.message).toMatch(
      /CPU throttling of app 1 above baseline 0.02 \(observed 0.3 with 0.25 of pods changed\)/,
    );
    expect(await changedPods("batch")).toEqual([]);
    expect(auditOf("batch")).toEqual(
      expect.arrayContaining([
        "canary:InPlaceResize",
        "rollback:CPUThrottling",
      ]),
    );
  });
});
