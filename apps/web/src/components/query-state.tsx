"use client";

import type { ReactNode } from "react";

type QueryLike<T> = {
  isPending: boolean;
  isError: boolean;
  error: { message: string; data?: { code?: string } | null } | null;
  data: T | undefined;
  refetch: () => unknown;
};

function ErrorState<T>({
  query,
  notFound,
}: {
  query: QueryLike<T>;
  notFound: ReactNode;
}) {
  if (notFound !== undefined && query.error?.data?.code === "NOT_FOUND") {
    return (
      <div className="state" data-testid="not-found-state">
        {notFound}
      </div>
    );
  }
  return (
    <div className="state error" data-testid="error-state">
      <p>Could not load this: {query.error?.message ?? "no data"}</p>
      <button type="button" onClick={() => void query.refetch()}>
        Retry
      </button>
    </div>
  );
}

/** Loading, error and empty states in one place, so every page shows them the same way. */
export function QueryState<T>({
  query,
  isEmpty,
  empty,
  children,
  notFound,
}: {
  query: QueryLike<T>;
  isEmpty?: (data: T) => boolean;
  empty: ReactNode;
  children: (data: T) => ReactNode;
  /** Shown instead of the error box when the server answers NOT_FOUND. */
  notFound?: ReactNode;
}) {
  if (query.isPending) {
    return (
      <div className="state" role="status" data-testid="loading-state">
        Loading…
      </div>
    );
  }
  if (query.isError || query.data === undefined)
    return <ErrorState query={query} notFound={notFound} />;
  if (isEmpty?.(query.data)) {
    return (
      <div className="state" data-testid="empty-state">
        {empty}
      </div>
    );
  }
  return <>{children(query.data)}</>;
}
