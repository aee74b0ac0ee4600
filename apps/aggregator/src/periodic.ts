/** Runs `task` every `intervalMs`, never two at once; a slow run delays the next instead of piling up. */
export function startPeriodic(
  intervalMs: number,
  task: () => Promise<void>,
): { stop: () => void } {
  let running = false;
  const timer = setInterval(() => {
    if (running) return;
    running = true;
    void task().finally(() => (running = false));
  }, intervalMs);
  timer.unref();
  return { stop: () => clearInterval(timer) };
}
