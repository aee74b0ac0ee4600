export { createBudget, deleteBudget, listBudgets } from "./budgets";
export type { BudgetStatus } from "./forecast";
export * from "./schemas";
