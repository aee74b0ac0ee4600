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

/** A download of every row matching the filters on screen (all pages), as CSV. */
export function CsvExportLink({
  filters,
}: {
  filters: Record<string, string | number | undefined>;
}) {
  const query = new URLSearchParams();
  for (const [key, value] of Object.entries(filters))
    if (value !== undefined && value !== "") query.set(key, String(value));
  query.set("format", "csv");
  return (
    <a
      className="button"
      data-testid="export-recommendations"
      href={`/api/v1/recommendations?${query.toString()}`}
    >
      Export CSV
    </a>
  );
}
