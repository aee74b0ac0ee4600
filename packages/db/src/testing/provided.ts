declare module "vitest" {
  // Module augmentation only works with an interface.
  // eslint-disable-next-line @typescript-eslint/consistent-type-definitions
  export interface ProvidedContext {
    kubewiseDbAdminUrl: string;
    kubewiseDbTemplate: string;
    kubewiseTestNow: string;
  }
}

export const PROVIDED_ADMIN_URL = "kubewiseDbAdminUrl";
export const PROVIDED_TEMPLATE = "kubewiseDbTemplate";
export const PROVIDED_TEST_NOW = "kubewiseTestNow";
