import { test } from "node:test";
import assert from "node:assert/strict";
import { readmeExampleSpikeCount, readmeLibraryBlock } from "./helpers/readme-example.ts";

test("the README's library example runs through the package entry and spikes", () => {
  const count = readmeExampleSpikeCount();
  assert.ok(count > 100, `${count} spikes`);
  // the helper runs the README's code: its statements appear in the block as they are
  const block = readmeLibraryBlock().replace(/\s+/g, "");
  for (const statement of [
    'constx=net.addPopulation("X",newInput(100));',
    'consty=net.addPopulation("Y",newLIF(10,dt_ms,{tauMem_ms:20}));',
    'init:{kind:"uniform",lo:0,hi:2,rng:createRng(1,"w")}',
    'X:poisson(newFloat32Array(100).fill(20),{steps:500,dt_ms,rng:createRng(1,"in")})',
    "console.log(spikes.count);",
  ]) {
    assert.ok(block.includes(statement), `README block has ${statement}`);
  }
});
