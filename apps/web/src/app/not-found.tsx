import Link from "next/link";

export default function NotFound() {
  return (
    <div style={{ maxWidth: 560, margin: "80px auto" }} className="panel">
      <h1>Page not found</h1>
      <p data-testid="not-found">
        There is nothing at this address. It may have moved, or the link is
        mistyped.
      </p>
      <p>
        <Link href="/">Go to the overview</Link>
      </p>
    </div>
  );
}
