import { redirect } from "next/navigation";
import { Suspense, type ReactNode } from "react";

import { ClusterConnectionBanner } from "~/components/cluster-connection-banner";
import { ClusterSelector } from "~/components/cluster-selector";
import { NavLinks } from "~/components/nav-links";
import type { NavLink } from "~/components/nav-links";
import { SignOutButton } from "~/components/sign-out-button";
import { getSessionUser } from "~/server/auth/session";
import type { SessionUser } from "~/server/auth/session-user";
import { can } from "~/server/permissions";

function linksFor(user: SessionUser): NavLink[] {
  return [
    { href: "/", label: "Overview" },
    { href: "/clusters/default", label: "Explore" },
    { href: "/costs", label: "Costs" },
    { href: "/recommendations", label: "Recommendations" },
    { href: "/anomalies", label: "Anomalies" },
    ...(can(user, "getModelRegistry")
      ? [{ href: "/models", label: "Models" }]
      : []),
    { href: "/savings", label: "Savings" },
    { href: "/budgets", label: "Budgets" },
    { href: "/safety", label: "Safety" },
    ...(can(user, "listAuditEntries")
      ? [{ href: "/audit", label: "Audit log" }]
      : []),
    ...(can(user, "listApiTokens")
      ? [{ href: "/tokens", label: "API tokens" }]
      : []),
    { href: "/status", label: "Status" },
  ];
}

export default async function DashboardLayout({
  children,
}: {
  children: ReactNode;
}) {
  const user = await getSessionUser();
  if (!user) redirect("/login");
  return (
    <div className="shell">
      <aside className="sidebar">
        <div className="brand">Kubewise</div>
        <Suspense>
          <ClusterSelector />
          <NavLinks links={linksFor(user)} />
        </Suspense>
        <div className="who" data-testid="current-user">
          <div>{user.email}</div>
          <div>role: {user.role}</div>
          <div style={{ marginTop: 8 }}>
            <SignOutButton />
          </div>
        </div>
      </aside>
      <main>
        <ClusterConnectionBanner user={user} />
        {children}
      </main>
    </div>
  );
}
