/** The README's "Use it as a library" example: its code block, and the same code run on the sources. */
import { readFileSync } from "node:fs";
import { Network, LIF, Input, Dense, poisson, createRng, SpikeMonitor } from "../../src/index.ts";

/** The ts code block under "## Use it as a library" in README.md. */
export function readmeLibraryBlock(): string {
  const readme = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
  const section = readme.slice(readme.indexOf("## Use it as a library"));
  const block = /```ts\n([\s\S]*?)```/.exec(section);
  if (block === null) throw new Error("README.md has no ts code block under 'Use it as a library'");
  return block[1];
}

/** That block's code, with its console.log(spikes.count) returned instead. */
export function readmeExampleSpikeCount(): number {
  const dt_ms = 1;
  const net = new Network({ dt_ms });
  const x = net.addPopulation("X", new Input(100));
  const y = net.addPopulation("Y", new LIF(10, dt_ms, { tauMem_ms: 20 }));
  net.addProjection(
    "X->Y",
    new Dense(x, y, { init: { kind: "uniform", lo: 0, hi: 2, rng: createRng(1, "w") } }),
  );
  const spikes = net.addMonitor(new SpikeMonitor(y));
  net.run(
    { X: poisson(new Float32Array(100).fill(20), { steps: 500, dt_ms, rng: createRng(1, "in") }) },
    500,
  );
  return spikes.count;
}
