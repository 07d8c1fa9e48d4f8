#!/usr/bin/env node
// Entry point of the `spikeflow` command. In a checkout (src/ present) it registers tsx and runs the
// TypeScript sources as they are; in the installed package (which ships the compiled dist/ and no src/),
// or in a checkout without tsx that has dist/ built, it runs the compiled JavaScript with plain Node.
//
// Before the rest of the modules load (a second or two), it installs the CLI's stop-signal router
// (cli/signals, a small module that loads at once): a Ctrl-C (SIGINT) or SIGTERM while they load
// prints one line and exits with the signal's status (130, 143). No command has begun then, so nothing was
// written. cli/main takes the router over once it has loaded.
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";

// Until the router below is installed (tsx's registration takes a few tenths of a second), the same line
// comes from here; only Node's own start-up, before this file runs, is not covered.
const STARTING = "spikeflow: interrupted while starting, before the command began; nothing was written\n";
const early = (signal) => {
  process.stderr.write(STARTING);
  process.exit(signal === "SIGTERM" ? 143 : 130);
};
process.on("SIGINT", early);
process.on("SIGTERM", early);

let fromSources = existsSync(new URL("../src/cli/main.ts", import.meta.url));
if (fromSources) {
  try {
    const { register } = await import("tsx/esm/api");
    register();
  } catch (e) {
    // a checkout installed without its dev dependencies: run the compiled package if it was built
    if (!existsSync(new URL("../dist/cli/main.js", import.meta.url))) {
      process.stderr.write(
        `spikeflow: this checkout runs its TypeScript sources with tsx, which is not installed ` +
          `(${e instanceof Error ? e.message.split("\n")[0] : String(e)}); run npm ci in ${fileURLToPath(new URL("..", import.meta.url))}\n`,
      );
      process.exit(1);
    }
    fromSources = false;
  }
}
const cli = (name) =>
  new URL(fromSources ? `../src/cli/${name}.ts` : `../dist/cli/${name}.js`, import.meta.url).href;
const { stopRouter } = await import(cli("signals"));
stopRouter().idle = (status) => {
  process.stderr.write(STARTING);
  process.exit(status);
};
process.off("SIGINT", early);
process.off("SIGTERM", early);
await import(cli("main"));
