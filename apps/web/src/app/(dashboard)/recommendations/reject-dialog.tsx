"use client";

import { useMutation } from "@tanstack/react-query";
import { useState } from "react";

import { useTRPC } from "~/trpc/react";

export function RejectDialog({
  recommendationId,
  label,
  onClose,
  onRejected,
}: {
  recommendationId: string;
  label: string;
  onClose: () => void;
  onRejected: () => void;
}) {
  const trpc = useTRPC();
  const [reason, setReason] = useState("");
  const reject = useMutation(
    trpc.recommendation.reject.mutationOptions({ onSuccess: onRejected }),
  );
  return (
    <div
      role="dialog"
      aria-modal="true"
      aria-label={`Reject ${label}`}
      className="panel"
      style={{
        position: "fixed",
        top: "30%",
        left: "35%",
        width: 440,
        zIndex: 10,
        boxShadow: "0 10px 40px rgba(0,0,0,.2)",
      }}
    >
      <h2>Reject {label}</h2>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          reject.mutate({ id: recommendationId, reason });
        }}
      >
        <label>
          Reason
          <textarea
            aria-label="Reason"
            value={reason}
            onChange={(e) => setReason(e.target.value)}
            rows={3}
            required
            minLength={3}
          />
        </label>
        {reject.error ? <p className="error">{reject.error.message}</p> : null}
        <div className="row" style={{ marginTop: 12 }}>
          <button type="submit" className="danger" disabled={reject.isPending}>
            Confirm reject
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </div>
  );
}
