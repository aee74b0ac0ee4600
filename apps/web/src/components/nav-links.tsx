"use client";

import Link from "next/link";
import { usePathname } from "next/navigation";

import { useWithCluster } from "./cluster-selector";

export type NavLink = { href: string; label: string };

function isActive(pathname: string, href: string): boolean {
  if (href === "/") return pathname === "/";
  // "/clusters/default" is active on every /clusters/... page.
  return pathname.split("/")[1] === href.split("/")[1];
}

/** The links the server decided this user may follow (no pages that would only answer 403). */
export function NavLinks({ links }: { links: NavLink[] }) {
  const pathname = usePathname();
  const withCluster = useWithCluster();
  return (
    <nav aria-label="Main">
      {links.map((link) => (
        <Link
          key={link.href}
          href={withCluster(link.href)}
          aria-current={isActive(pathname, link.href) ? "page" : undefined}
        >
          {link.label}
        </Link>
      ))}
    </nav>
  );
}
