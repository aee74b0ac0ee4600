import { z } from "zod";

import { ClusterSelectorShape } from "../internal/cluster";

export const NOTIFICATION_KINDS = ["webhook", "slack", "email"] as const;

export const CreateChannelInputSchema = z
  .object({
    name: z.string().trim().min(1).max(100),
    /** webhook: generic JSON POST; slack: a Slack-compatible incoming webhook; email: SMTP. */
    kind: z.enum(NOTIFICATION_KINDS),
    /** URL (webhook, slack) or comma-separated addresses (email). */
    target: z.string().trim().min(3).max(2000),
  })
  .superRefine((channel, ctx) => {
    if (channel.kind === "email") {
      const bad = channel.target
        .split(",")
        .map((a) => a.trim())
        .filter((a) => !z.email().safeParse(a).success);
      if (bad.length > 0)
        ctx.addIssue({
          code: "custom",
          path: ["target"],
          message: `not an e-mail address: ${bad.join(", ")}`,
        });
    } else if (
      !/^https?:\/\//.test(channel.target) ||
      !URL.canParse(channel.target)
    ) {
      ctx.addIssue({
        code: "custom",
        path: ["target"],
        message: "expected an http(s) URL",
      });
    }
  });
export type CreateChannelInput = z.input<typeof CreateChannelInputSchema>;

export const ListChannelsInputSchema = z.object({}).default({});
export type ListChannelsInput = z.input<typeof ListChannelsInputSchema>;

export const EvaluateAlertsInputSchema = z.object({
  clusterId: z.uuid(),
  /** Today's cost above this multiple of the previous 7 days' daily average is a spike. */
  spikeFactor: z.number().min(1).max(100).default(1.5),
});
export type EvaluateAlertsInput = z.input<typeof EvaluateAlertsInputSchema>;

export const DeliverNotificationsInputSchema = z.object({
  limit: z.number().int().min(1).max(500).default(50),
});
export type DeliverNotificationsInput = z.input<
  typeof DeliverNotificationsInputSchema
>;

export const ListAlertsInputSchema = z.object({
  ...ClusterSelectorShape,
  limit: z.number().int().min(1).max(500).default(50),
});
export type ListAlertsInput = z.input<typeof ListAlertsInputSchema>;
