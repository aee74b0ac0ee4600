"use client";

import { useMutation } from "@tanstack/react-query";
import { useState } from "react";

import { useTRPC } from "~/trpc/react";
import type { RouterOutputs } from "~/trpc/types";

export type Decision = "approve" | "reject";

/**
 * Confirmation for approve and reject: approving takes an optional comment, rejecting a required
 * reason; both go to the audit log. Nothing changes until "Confirm".
 */
export function DecisionDialog({
  decision,
  recommendationId,
  label,
  onClose,
  onDone,
}: {
  decision: Decision;
  recommendationId: string;
  label: string;
  onClose: () => void;
  onDone: () => void;
}) {
  const trpc = useTRPC();
  const [text, setText] = useState("");
  const approve = useMutation(
    trpc.recommendation.approve.mutationOptions({ onSuccess: onDone }),
  );
  const reject = useMutation(
    trpc.recommendation.reject.mutationOptions({ onSuccess: onDone }),
  );
  const pending = approve.isPending || reject.isPending;
  const error = approve.error ?? reject.error;
  const verb = decision === "approve" ? "Approve" : "Reject";
  return (
    <div
      role="dialog"
      aria-modal="true"
      aria-label={`${verb} ${label}`}
      className="panel dialog"
    >
      <h2>
        {verb} {label}?
      </h2>
      <p className="muted">
        {decision === "approve"
          ? "The controller applies approved changes in the cluster. The comment is kept in the audit log."
          : "The recommendation is closed. The reason is kept in the audit log."}
      </p>
      <form
        onSubmit={(event) => {
          event.preventDefault();
          if (decision === "approve")
            approve.mutate({
              id: recommendationId,
              comment: text.trim() === "" ? undefined : text.trim(),
              expectedPhase: "Pending",
            });
          else
            reject.mutate({
              id: recommendationId,
              reason: text,
              expectedPhase: "Pending",
            });
        }}
      >
        <label>
          {decision === "approve" ? "Comment (optional)" : "Reason"}
          <textarea
            aria-label={decision === "approve" ? "Comment" : "Reason"}
            value={text}
            onChange={(e) => setText(e.target.value)}
            rows={3}
            required={decision === "reject"}
            minLength={decision === "reject" ? 3 : undefined}
            maxLength={2000}
          />
        </label>
        {error ? <p className="error">{error.message}</p> : null}
        <div className="row" style={{ marginTop: 12 }}>
          <button
            type="submit"
            className={decision === "approve" ? "primary" : "danger"}
            disabled={pending}
          >
            Confirm {decision}
          </button>
          <button type="button" onClick={onClose}>
            Cancel
          </button>
        </div>
      </form>
    </div>
  );
}

export function BulkApproveDialog({
  count,
  pending,
  onConfirm,
  onClose,
}: {
  count: number;
  pending: boolean;
  onConfirm: () => void;
  onClose: () => void;
}) {
  return (
    <div
      role="dialog"
      aria-modal="true"
      aria-label="Approve selected recommendations"
      className="panel dialog"
    >
      <h2>Approve {count} recommendations?</h2>
      <p className="muted">
        The controller applies approved changes in the cluster.
      </p>
      <div className="row">
        <button
          type="button"
          className="primary"
          disabled={pending}
          onClick={onConfirm}
        >
          Confirm approve
        </button>
        <button type="button" onClick={onClose}>
          Cancel
        </button>
      </div>
    </div>
  );
}

export function BulkResult({
  result,
}: {
  result: RouterOutputs["recommendation"]["bulkApprove"];
}) {
  const failed = result.failed.map((f) => f.message).join("; ");
  return (
    <p data-testid="bulk-result">
      Approved {result.approved.length}
      {failed ? `; not approved: ${failed}` : ""}
    </p>
  );
}

export function DecideButtons({
  onDecide,
}: {
  onDecide: (decision: Decision) => void;
}) {
  return (
    <div className="row">
      <button
        type="button"
        className="primary"
        onClick={() => onDecide("approve")}
      >
        Approve
      </button>
      <button type="button" onClick={() => onDecide("reject")}>
        Reject
      </button>
    </div>
  );
}
