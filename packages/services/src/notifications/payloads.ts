import type { AlertRow } from "@kubewise/db";

export type OutgoingMessage =
  | { kind: "http"; url: string; body: unknown }
  | { kind: "email"; to: string[]; subject: string; text: string };

/** One alert -> what a channel of this kind receives. */
export function buildMessage(
  channel: { kind: string; target: string },
  alert: AlertRow,
): OutgoingMessage {
  const text = `[Kubewise] ${alert.title}`;
  if (channel.kind === "slack")
    return {
      kind: "http",
      url: channel.target,
      // Slack incoming-webhook shape: `text` is the fallback, blocks the rich message.
      body: {
        text,
        blocks: [
          {
            type: "section",
            text: { type: "mrkdwn", text: `*${alert.title}*` },
          },
          {
            type: "context",
            elements: [
              {
                type: "mrkdwn",
                text: `${alert.kind} · opened ${alert.openedAt.toISOString()}`,
              },
            ],
          },
        ],
      },
    };
  if (channel.kind === "email")
    return {
      kind: "email",
      to: channel.target.split(",").map((a) => a.trim()),
      subject: text,
      text: `${alert.title}\n\nKind: ${alert.kind}\nOpened: ${alert.openedAt.toISOString()}\n\n${JSON.stringify(alert.payload, null, 2)}\n`,
    };
  return {
    kind: "http",
    url: channel.target,
    body: {
      id: alert.id,
      kind: alert.kind,
      title: alert.title,
      clusterId: alert.clusterId,
      openedAt: alert.openedAt.toISOString(),
      details: alert.payload,
    },
  };
}
