import {
  ApiException,
  AppsV1Api,
  AutoscalingV2Api,
  BatchV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  Observable,
  PolicyV1Api,
  type RequestContext,
  type ResponseContext,
  type setHeaderOptions,
} from "@kubernetes/client-node";

import { WriteRefusedError } from "../ports";

export type KubeClients = {
  apps: AppsV1Api;
  autoscaling: AutoscalingV2Api;
  batch: BatchV1Api;
  core: CoreV1Api;
  custom: CustomObjectsApi;
  policy: PolicyV1Api;
  coordination: CoordinationV1Api;
};

export function createKubeClients(kubeConfig: KubeConfig): KubeClients {
  return {
    apps: kubeConfig.makeApiClient(AppsV1Api),
    autoscaling: kubeConfig.makeApiClient(AutoscalingV2Api),
    batch: kubeConfig.makeApiClient(BatchV1Api),
    core: kubeConfig.makeApiClient(CoreV1Api),
    custom: kubeConfig.makeApiClient(CustomObjectsApi),
    policy: kubeConfig.makeApiClient(PolicyV1Api),
    coordination: kubeConfig.makeApiClient(CoordinationV1Api),
  };
}

/** In a pod: the mounted ServiceAccount; elsewhere: $KUBECONFIG or ~/.kube/config. */
export function loadKubeConfig(
  options: { kubeconfigPath?: string } = {},
): KubeConfig {
  const kubeConfig = new KubeConfig();
  if (options.kubeconfigPath) kubeConfig.loadFromFile(options.kubeconfigPath);
  else kubeConfig.loadFromDefault();
  return kubeConfig;
}

export function isApiStatus(error: unknown, code: number): boolean {
  return error instanceof ApiException && error.code === code;
}

/** Status.message of an API error body (a JSON string or the parsed object). */
function statusMessage(error: ApiException<unknown>): string {
  const { body } = error;
  let parsed: unknown = body;
  if (typeof body === "string") {
    try {
      parsed = JSON.parse(body);
    } catch {
      return body;
    }
  }
  const message =
    parsed && typeof parsed === "object" && "message" in parsed
      ? parsed.message
      : undefined;
  return typeof message === "string" ? message : `HTTP ${error.code}`;
}

/**
 * A write the API server refused for good (400 bad request, 403 forbidden by RBAC or admission,
 * 422 invalid or denied by a ValidatingAdmissionPolicy) as WriteRefusedError; anything else as is.
 */
export function toWriteError(error: unknown): unknown {
  if (error instanceof ApiException && [400, 403, 422].includes(error.code))
    return new WriteRefusedError(error.code, statusMessage(error));
  return error;
}

type RequestOptions = ReturnType<typeof setHeaderOptions>;

/**
 * Sends `body` as these exact bytes with this content type: the generated clients re-serialize
 * whatever they are given, and a patch Kubewise previews must reach the API server unchanged.
 */
export function withRawBody(contentType: string, body: string): RequestOptions {
  return {
    middleware: [
      {
        pre: (context: RequestContext) => {
          context.setHeaderParam("Content-Type", contentType);
          context.setBody(body);
          return new Observable(Promise.resolve(context));
        },
        post: (context: ResponseContext) =>
          new Observable(Promise.resolve(context)),
      },
    ],
    middlewareMergeStrategy: "append",
  };
}
