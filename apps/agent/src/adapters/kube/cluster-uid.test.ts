import { describe, expect, it } from "vitest";

import { readKubeSystemUid } from "./cluster-uid";
import { KubeApiError } from "./kube-http";

describe("readKubeSystemUid (the agent's cluster identity)", () => {
  it("GETs namespace kube-system and returns its UID", async () => {
    const paths: string[] = [];
    const uid = await readKubeSystemUid({
      getJson: (path) => {
        paths.push(path);
        return Promise.resolve({
          kind: "Namespace",
          metadata: { name: "kube-system", uid: "3c1f-uid" },
        });
      },
    });
    expect(uid).toBe("3c1f-uid");
    expect(paths).toEqual(["/api/v1/namespaces/kube-system"]);
  });

  it("a refused read says what to grant or switch off", async () => {
    await expect(
      readKubeSystemUid({
        getJson: () =>
          Promise.reject(
            new KubeApiError(
              403,
              'namespaces "kube-system" is forbidden: User "system:serviceaccount:kw:agent" cannot get resource "namespaces"',
            ),
          ),
      }),
    ).rejects.toThrow(
      /cannot read the UID of namespace kube-system.*forbidden.*grant get on namespaces\/kube-system.*KUBEWISE_CLUSTER_UID_SOURCE=off/s,
    );
  });

  it("an answer without a UID is an error, not an empty identity", async () => {
    await expect(
      readKubeSystemUid({
        getJson: () => Promise.resolve({ metadata: { name: "kube-system" } }),
      }),
    ).rejects.toThrow("namespace kube-system has no UID");
  });
});
