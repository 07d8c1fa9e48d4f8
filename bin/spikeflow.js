#!/usr/bin/env node
// Entry point of the `spikeflow` command: registers tsx so the TypeScript sources run as they are.
//
// First it installs the one listener per stop signal that the CLI keeps until it exits (src/cli/signals.ts
// explains why there is only one, and reuses this router): loading and compiling the sources takes a second
// or two, and a Ctrl-C (SIGINT) or SIGTERM in that time prints one line and exits with the signal's status
// (130, 143). No command has begun then, so nothing was written.
import { register } from "tsx/esm/api";

const router = {
  handler: undefined,
  idle: (status) => {
    process.stderr.write(
      "spikeflow: interrupted while starting, before the command began; nothing was written\n",
    );
    process.exit(status);
  },
  release: () => {
    for (const [name, listener] of listeners) process.off(name, listener);
    attached = false;
  },
  attach: () => {
    if (!attached) for (const [name, listener] of listeners) process.on(name, listener);
    attached = true;
  },
};
let attached = false;
const listeners = [
  ["SIGINT", 130],
  ["SIGTERM", 143],
].map(([name, status]) => [name, () => (router.handler ?? router.idle)(status)]);
router.attach();
globalThis[Symbol.for("spikeflow.stop-signals")] = router;

register();
await import("../src/cli/main.ts");
