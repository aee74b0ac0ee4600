import { KubewiseError } from "@kubewise/core";

// A bad DATABASE_URL or an unreachable server: the message is one line, names the problem and
// never contains the password.
export class DatabaseConfigError extends KubewiseError {
  constructor(message: string, options?: { cause?: unknown }) {
    super("UNAVAILABLE", message, options);
    this.name = "DatabaseConfigError";
  }
}
