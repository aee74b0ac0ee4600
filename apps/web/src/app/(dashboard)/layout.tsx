import { redirect } from "next/navigation";
import type { ReactNode } from "react";

import { NavLinks } from "~/components/nav-links";
import { SignOutButton } from "~/components/sign-out-button";
import { getSessionUser } from "~/server/auth/session";

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
        <NavLinks />
        <div className="who" data-testid="current-user">
          <div>{user.email}</div>
          <div>role: {user.role}</div>
          <div style={{ marginTop: 8 }}>
            <SignOutButton />
          </div>
        </div>
      </aside>
      <main>{children}</main>
    </div>
  );
}
