declare module "vitest" {
  // Module augmentation only works with an interface.
  // eslint-disable-next-line @typescript-eslint/consistent-type-definitions
  export interface ProvidedContext {
    kubewiseDbAdminUrl: string;
    kubewiseDbTemplate: string;
    kubewiseTestNow: string;
    kubewiseDbServerKind: TestServerKind;
    kubewiseDbWorkerUrls: string[];
  }
}

/** What the db project runs against: KUBEWISE_TEST_DB, or "external" for DATABASE_URL. */
export type TestServerKind = "embedded" | "timescaledb" | "citus" | "external";

export const PROVIDED_ADMIN_URL = "kubewiseDbAdminUrl";
export const PROVIDED_TEMPLATE = "kubewiseDbTemplate";
export const PROVIDED_TEST_NOW = "kubewiseTestNow";
export const PROVIDED_SERVER_KIND = "kubewiseDbServerKind";
export const PROVIDED_WORKER_URLS = "kubewiseDbWorkerUrls";
