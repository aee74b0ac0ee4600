import {
  ApiException,
  AppsV1Api,
  CoordinationV1Api,
  CoreV1Api,
  CustomObjectsApi,
  KubeConfig,
  PolicyV1Api,
} from "@kubernetes/client-node";

export type KubeClients = {
  apps: AppsV1Api;
  core: CoreV1Api;
  custom: CustomObjectsApi;
  policy: PolicyV1Api;
  coordination: CoordinationV1Api;
};

export function createKubeClients(kubeConfig: KubeConfig): KubeClients {
  return {
    apps: kubeConfig.makeApiClient(AppsV1Api),
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
