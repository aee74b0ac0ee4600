import { redirect } from "next/navigation";
import { Suspense } from "react";

import { isOidcConfigured } from "~/env";
import { getSessionUser } from "~/server/auth/session";
import { LoginForm } from "./login-form";

export default async function LoginPage() {
  if (await getSessionUser()) redirect("/");
  return (
    <div className="login">
      <Suspense>
        <LoginForm oidcEnabled={isOidcConfigured()} />
      </Suspense>
      <p style={{ textAlign: "center" }}>
        <a href="/status">System status</a>
      </p>
    </div>
  );
}
