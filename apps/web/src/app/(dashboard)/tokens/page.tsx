"use client";

import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";

import { QueryState } from "~/components/query-state";
import { useTRPC } from "~/trpc/react";

export default function TokensPage() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [name, setName] = useState("");
  const [expiresInDays, setExpiresInDays] = useState(90);
  const [role, setRole] = useState<"" | "viewer" | "approver">("");
  const tokens = useQuery(trpc.token.list.queryOptions({}));
  const invalidate = () =>
    queryClient.invalidateQueries({ queryKey: trpc.token.list.queryKey() });
  const create = useMutation(
    trpc.token.create.mutationOptions({ onSuccess: invalidate }),
  );
  const revoke = useMutation(
    trpc.token.revoke.mutationOptions({ onSuccess: invalidate }),
  );
  return (
    <>
      <h1>API tokens</h1>
      <form
        className="filters"
        onSubmit={(event) => {
          event.preventDefault();
          create.mutate({
            name,
            expiresInDays,
            role: role === "" ? undefined : role,
          });
          setName("");
        }}
      >
        <label>
          Token name
          <input
            aria-label="Token name"
            value={name}
            onChange={(e) => setName(e.target.value)}
            required
          />
        </label>
        <label>
          Expires in
          <select
            aria-label="Expires in"
            value={expiresInDays}
            onChange={(e) => setExpiresInDays(Number(e.target.value))}
          >
            {[7, 30, 90, 365].map((days) => (
              <option key={days} value={days}>
                {days} days
              </option>
            ))}
          </select>
        </label>
        <label>
          Role
          <select
            aria-label="Token role"
            value={role}
            onChange={(e) => setRole(e.target.value as typeof role)}
          >
            <option value="">same as mine</option>
            <option value="viewer">viewer (read-only)</option>
            <option value="approver">approver</option>
          </select>
        </label>
        <button type="submit" className="primary" disabled={create.isPending}>
          Create token
        </button>
      </form>
      {create.data ? (
        <div className="panel" data-testid="new-token">
          <p>Copy this token now: it is shown only once.</p>
          <pre>{create.data.token}</pre>
        </div>
      ) : null}
      {create.error ? <p className="error">{create.error.message}</p> : null}
      <QueryState
        query={tokens}
        isEmpty={(rows) => rows.length === 0}
        empty="No API tokens yet."
      >
        {(rows) => (
          <div className="panel">
            <table data-testid="tokens-table">
              <thead>
                <tr>
                  <th>Name</th>
                  <th>Owner</th>
                  <th>Role</th>
                  <th>Expires</th>
                  <th>Prefix</th>
                  <th>Created</th>
                  <th>Last used</th>
                  <th>Status</th>
                  <th />
                </tr>
              </thead>
              <tbody>
                {rows.map((token) => (
                  <tr key={token.id}>
                    <td>{token.name}</td>
                    <td>{token.ownerEmail ?? ""}</td>
                    <td>{token.role ?? "owner's"}</td>
                    <td>
                      {token.expiresAt
                        ? token.expiresAt.toISOString().slice(0, 10)
                        : "never"}
                    </td>
                    <td>
                      <code>{token.prefix}…</code>
                    </td>
                    <td>
                      {token.createdAt
                        .toISOString()
                        .slice(0, 16)
                        .replace("T", " ")}
                    </td>
                    <td>
                      {token.lastUsedAt
                        ? token.lastUsedAt
                            .toISOString()
                            .slice(0, 16)
                            .replace("T", " ")
                        : "never"}
                    </td>
                    <td>{token.status}</td>
                    <td>
                      {token.revokedAt ? null : (
                        <button
                          type="button"
                          onClick={() => revoke.mutate({ id: token.id })}
                        >
                          Revoke
                        </button>
                      )}
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </QueryState>
    </>
  );
}
