/** How the long-running commands (serve, worker) stop: the first SIGINT/SIGTERM asks, a second one (or 10 s) forces. */
export function onStopSignal(stop: () => void): void {
  let stopping = false;
  const handler = (signal: NodeJS.Signals) => {
    if (stopping) process.exit(signal === "SIGINT" ? 130 : 143);
    stopping = true;
    setTimeout(() => process.exit(signal === "SIGINT" ? 130 : 143), 10_000).unref();
    stop();
  };
  process.on("SIGINT", handler);
  process.on("SIGTERM", handler);
}
