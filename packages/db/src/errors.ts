// A bad DATABASE_URL or an unreachable server: the message is one line, names the problem and
// never contains the password.
export class DatabaseConfigError extends Error {
  override readonly name = "DatabaseConfigError";
}
