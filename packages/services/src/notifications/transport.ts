import { createTransport } from "nodemailer";

import type { OutgoingMessage } from "./payloads";

/** Sends one message; throws with a short reason when the receiver refuses or cannot be reached. */
export type NotificationSender = (message: OutgoingMessage) => Promise<void>;

export type SenderOptions = {
  /** smtp://user:pass@host:port (or smtps://); e-mail channels fail without it. */
  smtpUrl?: string | undefined;
  from?: string;
  timeoutMs?: number;
};

/** The production sender: HTTP POST for webhooks and Slack, SMTP (nodemailer) for e-mail. */
export function createNotificationSender(
  options: SenderOptions,
): NotificationSender {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const mailer = options.smtpUrl
    ? createTransport({
        url: options.smtpUrl,
        connectionTimeout: timeoutMs,
        greetingTimeout: timeoutMs,
        socketTimeout: timeoutMs,
      })
    : undefined;
  return async (message) => {
    if (message.kind === "http") {
      const response = await fetch(message.url, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify(message.body),
        signal: AbortSignal.timeout(timeoutMs),
      });
      if (!response.ok)
        throw new Error(
          `HTTP ${response.status} from ${new URL(message.url).host}`,
        );
      return;
    }
    if (!mailer)
      throw new Error("no SMTP server configured (KUBEWISE_SMTP_URL)");
    await mailer.sendMail({
      from: options.from ?? "kubewise@localhost",
      to: message.to,
      subject: message.subject,
      text: message.text,
    });
  };
}
