#!/usr/bin/env node
// Entry point of the `spikeflow` command: registers tsx so the TypeScript sources run as they are.
//
// Loading and compiling the sources takes a second or two. A Ctrl-C (SIGINT) or SIGTERM in that time would
// end the process without a word, so until src/cli/main.ts takes over (it calls the function left under
// STARTUP_SIGNALS, which removes these handlers) such a signal prints one line and exits with the signal's
// status (130, 143); the command has not begun, so nothing was written.
import { register } from "tsx/esm/api";

const STARTUP_SIGNALS = Symbol.for("spikeflow.startup-signals");
const handlers = [
  ["SIGINT", 130],
  ["SIGTERM", 143],
].map(([name, status]) => {
  const handler = () => {
    process.stderr.write(
      "spikeflow: interrupted while starting, before the command began; nothing was written\n",
    );
    process.exit(status);
  };
  process.on(name, handler);
  return [name, handler];
});
globalThis[STARTUP_SIGNALS] = () => {
  for (const [name, handler] of handlers) process.off(name, handler);
};

register();
await import("../src/cli/main.ts");
