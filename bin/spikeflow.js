#!/usr/bin/env node
// Entry point of the `spikeflow` command: registers tsx so the TypeScript sources run as they are.
//
// Before the rest of the sources load (a second or two), it installs the CLI's stop-signal router
// (src/cli/signals.ts, a small module that loads at once): a Ctrl-C (SIGINT) or SIGTERM while they load
// prints one line and exits with the signal's status (130, 143). No command has begun then, so nothing was
// written. src/cli/main.ts takes the router over once it has loaded.
import { register } from "tsx/esm/api";

register();
const { stopRouter } = await import("../src/cli/signals.ts");
stopRouter().idle = (status) => {
  process.stderr.write(
    "spikeflow: interrupted while starting, before the command began; nothing was written\n",
  );
  process.exit(status);
};
await import("../src/cli/main.ts");
