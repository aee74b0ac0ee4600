"use client";

export const PAGE_SIZE = 25;

export function Pager({
  offset,
  shown,
  total,
  onOffset,
}: {
  offset: number;
  shown: number;
  total: number;
  onOffset: (offset: number) => void;
}) {
  return (
    <nav className="pager" aria-label="Pages">
      <span data-testid="page-range">
        {total === 0 ? 0 : offset + 1}–{offset + shown} of {total}
      </span>
      <button
        type="button"
        disabled={offset === 0}
        onClick={() => onOffset(Math.max(0, offset - PAGE_SIZE))}
      >
        Previous
      </button>
      <button
        type="button"
        disabled={offset + shown >= total}
        onClick={() => onOffset(offset + PAGE_SIZE)}
      >
        Next
      </button>
    </nav>
  );
}
