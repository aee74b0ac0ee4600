"use client";

import type { ReactNode } from "react";

type QueryLike<T> = {
  isPending: boolean;
  isError: boolean;
  error: { message: string } | null;
  data: T | undefined;
  refetch: () => unknown;
};

/** Loading, error and empty states in one place, so every page shows them the same way. */
export function QueryState<T>({
  query,
  isEmpty,
  empty,
  children,
}: {
  query: QueryLike<T>;
  isEmpty?: (data: T) => boolean;
  empty: ReactNode;
  children: (data: T) => ReactNode;
}) {
  if (query.isPending) {
    return (
      <div className="state" role="status" data-testid="loading-state">
        Loading…
      </div>
    );
  }
  if (query.isError || query.data === undefined) {
    return (
      <div className="state error" data-testid="error-state">
        <p>Could not load this: {query.error?.message ?? "no data"}</p>
        <button type="button" onClick={() => void query.refetch()}>
          Retry
        </button>
      </div>
    );
  }
  if (isEmpty?.(query.data)) {
    return (
      <div className="state" data-testid="empty-state">
        {empty}
      </div>
    );
  }
  return <>{children(query.data)}</>;
}
