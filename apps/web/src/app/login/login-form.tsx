"use client";

import { signIn } from "next-auth/react";
import { useRouter, useSearchParams } from "next/navigation";
import { useState } from "react";
import type { FormEvent } from "react";

function safeCallbackUrl(value: string | null): string {
  // Only same-site paths: an absolute URL here would be an open redirect.
  return value?.startsWith("/") && !value.startsWith("//") ? value : "/";
}

// next-auth sends a failed OAuth sign-in back here as ?error=<code>.
function redirectErrorMessage(code: string | null): string | undefined {
  if (!code) return undefined;
  return code === "AccessDenied"
    ? "Single sign-on refused: the identity provider has not verified this email, or it belongs to a password account."
    : "Single sign-on failed.";
}

function formText(form: FormData, name: string): string {
  const value = form.get(name);
  return typeof value === "string" ? value : "";
}

export function LoginForm({ oidcEnabled }: { oidcEnabled: boolean }) {
  const router = useRouter();
  const searchParams = useSearchParams();
  const [error, setError] = useState<string | undefined>();
  const [pending, setPending] = useState(false);
  const callbackUrl = safeCallbackUrl(searchParams.get("callbackUrl"));
  const shownError = error ?? redirectErrorMessage(searchParams.get("error"));

  async function onSubmit(event: FormEvent<HTMLFormElement>) {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    setPending(true);
    setError(undefined);
    const result = await signIn("credentials", {
      redirect: false,
      email: formText(form, "email"),
      password: formText(form, "password"),
    });
    setPending(false);
    if (result?.ok) {
      router.replace(callbackUrl);
      router.refresh();
      return;
    }
    setError(
      result?.error === "CredentialsSignin"
        ? "Wrong email or password."
        : (result?.error ?? "Sign-in failed."),
    );
  }

  return (
    <div className="panel">
      <h1>Sign in to Kubewise</h1>
      <form onSubmit={(event) => void onSubmit(event)}>
        <label>
          Email
          <input name="email" type="email" autoComplete="username" required />
        </label>
        <label>
          Password
          <input
            name="password"
            type="password"
            autoComplete="current-password"
            required
          />
        </label>
        {shownError ? (
          <p className="error" data-testid="login-error">
            {shownError}
          </p>
        ) : null}
        <button className="primary" type="submit" disabled={pending}>
          {pending ? "Signing in…" : "Sign in"}
        </button>
      </form>
      {oidcEnabled ? (
        <p>
          <button
            type="button"
            onClick={() => void signIn("oidc", { callbackUrl })}
          >
            Sign in with single sign-on
          </button>
        </p>
      ) : null}
    </div>
  );
}
