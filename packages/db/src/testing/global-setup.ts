// Replaced by the db package's real harness (embedded PostgreSQL per test run).
export default function setup(): void {}
