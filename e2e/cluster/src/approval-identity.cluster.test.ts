import { afterAll, beforeAll, describe, expect, it } from "vitest";

import type { KubeClients } from "@kubewise/controller";
import { buildResourceRecommendation } from "@kubewise/k8s";

import {
  adminClients,
  controllerUsername,
  createNamespace,
  deleteNamespace,
  grantRecommendationEditors,
  kubectl,
  patchRecommendation,
} from "./harness";

const USERS = ["alice", "bob"];

describe("approval identity (ValidatingAdmissionPolicy kw approval-identity)", () => {
  let admin: KubeClients;
  let open: string;
  let fourEyes: string;

  async function createRecommendation(
    namespace: string,
    name: string,
    options: { as?: string; requestedBy?: string } = {},
  ): Promise<{ code: number; stderr: string }> {
    const object = buildResourceRecommendation({
      namespace,
      target: { kind: "Deployment", name },
      containers: [
        { name: "app", requests: { cpuMillicores: 200 }, limits: {} },
      ],
      confidence: 0.9,
      policy: "e2e",
      generatedAt: new Date(),
    });
    const body = {
      ...object,
      metadata: {
        ...object.metadata,
        ...(options.requestedBy
          ? { annotations: { "kubewise.io/requested-by": options.requestedBy } }
          : {}),
      },
    };
    return kubectl(["create", "-f", "-"], {
      ...(options.as ? { as: options.as } : {}),
      stdin: JSON.stringify(body),
    });
  }

  const approve = (
    namespace: string,
    name: string,
    options: { as: string; by: string; state?: string },
  ) =>
    patchRecommendation(
      { namespace, name },
      JSON.stringify({
        spec: {
          approval: { state: options.state ?? "Approved", by: options.by },
        },
      }),
      { as: options.as },
    );

  beforeAll(async () => {
    admin = adminClients();
    open = await createNamespace(admin, "approve");
    fourEyes = await createNamespace(admin, "four-eyes");
    const label = await kubectl([
      "label",
      "namespace",
      fourEyes,
      "kubewise.io/require-approval=true",
    ]);
    expect(label.code).toBe(0);
    await grantRecommendationEditors(open, USERS);
    await grantRecommendationEditors(fourEyes, USERS);
    expect((await createRecommendation(open, "web")).code).toBe(0);
  });
  afterAll(async () => {
    await deleteNamespace(admin, open);
    await deleteNamespace(admin, fourEyes);
  });

  it("a user can approve as themselves", async () => {
    const result = await approve(open, "deployment-web", {
      as: "alice",
      by: "alice",
    });
    expect(result).toMatchObject({ code: 0 });
  });

  it.each([
    { as: "alice", by: "bob", state: "Approved" },
    { as: "bob", by: "alice", state: "Rejected" },
    { as: "bob", by: "", state: "Approved" },
  ])(
    "$as cannot record a $state decision by '$by'",
    async ({ as, by, state }) => {
      const result = await approve(open, "deployment-web", { as, by, state });
      expect(result.code).not.toBe(0);
      expect(result.stderr).toMatch(
        new RegExp(`spec.approval.by must be your own username \\(${as}\\)`),
      );
    },
  );

  it("edits that leave the approval alone pass, and the aggregator relays dashboard decisions", async () => {
    const dryRun = await patchRecommendation(
      { namespace: open, name: "deployment-web" },
      '{"spec":{"dryRun":false}}',
      { as: "bob" },
    );
    expect(dryRun).toMatchObject({ code: 0 });
    const relay = await approve(open, "deployment-web", {
      as: controllerUsername(),
      by: "kubewise-dashboard",
    });
    expect(relay).toMatchObject({ code: 0 });
  });

  it("requires a second person where the namespace asks for it", async () => {
    expect(
      await createRecommendation(fourEyes, "web", {
        as: "alice",
        requestedBy: "alice",
      }),
    ).toMatchObject({ code: 0 });
    const self = await approve(fourEyes, "deployment-web", {
      as: "alice",
      by: "alice",
    });
    expect(self.code).not.toBe(0);
    expect(self.stderr).toMatch(/someone other than the requester/);
    const selfReject = await approve(fourEyes, "deployment-web", {
      as: "alice",
      by: "alice",
      state: "Rejected",
    });
    expect(selfReject).toMatchObject({ code: 0 });
    expect(
      await approve(fourEyes, "deployment-web", { as: "bob", by: "bob" }),
    ).toMatchObject({ code: 0 });
  });

  it("the requester annotation names its author and cannot be rewritten or dropped", async () => {
    const forged = await createRecommendation(fourEyes, "api", {
      as: "alice",
      requestedBy: "bob",
    });
    expect(forged.code).not.toBe(0);
    expect(forged.stderr).toMatch(/kubewise.io\/requested-by must be your own/);
    const patch = (annotation: string | null) =>
      patchRecommendation(
        { namespace: fourEyes, name: "deployment-web" },
        JSON.stringify({
          metadata: {
            annotations: { "kubewise.io/requested-by": annotation },
          },
        }),
        { as: "alice" },
      );
    expect((await patch("bob")).code).not.toBe(0);
    expect((await patch(null)).code).not.toBe(0);
  });
});
