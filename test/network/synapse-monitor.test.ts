// SynapseMonitor (Brian2's StateMonitor(S, 'w')): per-synapse variables of a SynapseEquations (w and a trace)
// recorded step by step, the weights of a Sparse and a Dense through their view, preallocated buffers, unknown
// variables refused with the list; denseWeights turns a CSR view into the [pre][post] matrix denseTiles reads.
import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidParameterError } from "../../src/core/errors.ts";
import { SpikeTrain } from "../../src/encoding/spike-train.ts";
import { Network } from "../../src/network/network.ts";
import { SynapseMonitor } from "../../src/network/synapse-monitor.ts";
import { Input } from "../../src/neurons/input.ts";
import { LIF } from "../../src/neurons/lif.ts";
import { denseTiles, denseWeights } from "../../src/plot/weights.ts";
import { Dense } from "../../src/projections/dense.ts";
import { Sparse } from "../../src/projections/sparse.ts";
import { SynapseEquations } from "../../src/projections/synapse-equations.ts";

function build() {
  const net = new Network({ dt_ms: 1 });
  const pre = net.addPopulation("pre", new Input(3));
  const post = net.addPopulation("post", new Input(2));
  const syn = net.addProjection(
    "s",
    new SynapseEquations(pre, post, {
      model: "w : 1\ndapre/dt = -apre/(10*ms) : 1 (event-driven)",
      on_pre: "apre += 1; w += 0.25",
      connect: { pre: [0, 1, 2, 2], post: [1, 0, 0, 1] },
      dt_ms: 1,
      init: { w: [1, 2, 3, 4] },
    }),
  );
  return { net, pre, post, syn };
}

test("SynapseMonitor records w and a trace of chosen synapses every step, with their pre and post neurons", () => {
  const { net, syn } = build();
  const w = net.addMonitor(new SynapseMonitor(syn, "w", { synapses: [3, 0] }));
  const a = net.addMonitor(new SynapseMonitor(syn, "apre", { every: 2 }));
  assert.deepEqual([...w.pre, ...w.post], [2, 0, 1, 1]);
  assert.deepEqual([...a.synapses], [0, 1, 2, 3]);
  // pre 2 fires at steps 0 and 3: its synapses (2 and 3) change in the deliveries of steps 1 and 4
  net.run(
    {
      pre: SpikeTrain.fromEvents(3, 6, [
        [0, 2],
        [3, 2],
      ]),
    },
    6,
  );
  assert.equal(w.length, 6);
  assert.deepEqual([...w.values().steps], [0, 1, 2, 3, 4, 5]);
  assert.deepEqual([...w.trace(0)], [4, 4.25, 4.25, 4.25, 4.5, 4.5]);
  assert.deepEqual([...w.trace(1)], [1, 1, 1, 1, 1, 1]);
  assert.deepEqual([...a.values().steps], [0, 2, 4]);
  const apre = a.trace(2);
  // stored at the synapse's last event: 1 after step 1's event, then 1 * exp(-3/10) + 1 after step 4's
  assert.deepEqual([...apre.slice(0, 2)], [0, 1]);
  assert.ok(Math.abs(apre[2] - (Math.exp(-3 / 10) + 1)) < 1e-6, `${apre[2]}`);
  net.reset();
  assert.equal(w.length, 0);
});

test("SynapseMonitor allocates nothing in record within its capacity, and keeps the last window samples", () => {
  const { net, syn } = build();
  const m = net.addMonitor(new SynapseMonitor(syn, "w", { capacity: 50 }));
  const ring = net.addMonitor(new SynapseMonitor(syn, "w", { window: 3, synapses: [2] }));
  const bytes = m.bytes;
  net.run({}, 50);
  assert.equal(m.bytes, bytes, "no new buffer within the capacity");
  assert.equal(m.length, 50);
  net.run({}, 1);
  assert.equal(m.length, 51);
  assert.ok(m.bytes > bytes, "past the capacity the buffers double");
  assert.deepEqual([...ring.values().steps], [48, 49, 50]);
  assert.equal(ring.bytes, 3 * 4 * 2);
});

test("SynapseMonitor reads w of a Sparse and a Dense through their view", () => {
  const net = new Network({ dt_ms: 1 });
  const x = net.addPopulation("x", new Input(2));
  const y = net.addPopulation("y", new LIF(3, 1));
  const sparse = net.addProjection(
    "sp",
    Sparse.fromTriplets(x, y, { pre: [0, 1], post: [2, 0], w: [0.5, 0.25] }),
  );
  const dense = net.addProjection("d", new Dense(x, y, { init: { kind: "constant", value: 0.125 } }));
  const ms = net.addMonitor(new SynapseMonitor(sparse, "w"));
  const md = net.addMonitor(new SynapseMonitor(dense, "w", { synapses: [5] }));
  net.run({}, 2);
  assert.deepEqual([...ms.values().data], [0.5, 0.25, 0.5, 0.25]);
  assert.deepEqual([...ms.pre, ...ms.post], [0, 1, 2, 0]);
  assert.deepEqual([...md.trace(0)], [0.125, 0.125]);
  assert.deepEqual([md.pre[0], md.post[0]], [1, 2], "Dense index i * post + j");
});

test("SynapseMonitor refuses unknown variables with the list, bad synapse indices and bad options", () => {
  const { syn } = build();
  const refuses = (fn: () => unknown, re: RegExp) =>
    assert.throws(fn, (e: unknown) => e instanceof InvalidParameterError && re.test(e.message));
  refuses(
    () => new SynapseMonitor(syn, "apr"),
    /synapse-equations projection has no per-synapse variable 'apr'; its variables are w, apre \(did you mean apre\?\)/,
  );
  const net = new Network({ dt_ms: 1 });
  const x = net.addPopulation("x", new Input(2));
  const y = net.addPopulation("y", new Input(2));
  const sp = Sparse.fromTriplets(x, y, { pre: [0], post: [1], w: [1] });
  refuses(
    () => new SynapseMonitor(sp, "apre"),
    /sparse projection has no per-synapse variable 'apre'; its variables are w/,
  );
  refuses(
    () => new SynapseMonitor(syn, "w", { synapses: [4] }),
    /synapse index 4 is not a synapse .* 0 to 3/,
  );
  refuses(() => new SynapseMonitor(syn, "w", { synapses: [] }), /empty list/);
  refuses(() => new SynapseMonitor(syn, "w", { window: 2, capacity: 3 }), /not both/);
  refuses(() => new SynapseMonitor(syn, "w", { synapse: [1] } as never), /synapse/);
  refuses(() => new SynapseMonitor(syn, "w").trace(4), /k = 4 is not a position/);
});

test("denseWeights turns the CSR weights of a SynapseEquations view into the [pre][post] matrix denseTiles reads", () => {
  const { syn } = build();
  assert.throws(() => denseTiles(syn.view!.w, 2, 1), /denseWeights\(S\.view\)/);
  const W = denseWeights(syn.view!);
  // synapses (0,1)=1, (1,0)=2, (2,0)=3, (2,1)=4
  assert.deepEqual([...W], [0, 1, 2, 0, 3, 4]);
  assert.deepEqual([...denseWeights(syn.view!, NaN)].map(String), ["NaN", "1", "2", "NaN", "3", "4"]);
  // one 1 x 1 tile per post neuron of a one-input projection
  assert.equal(denseTiles(W.subarray(0, 2), 2, 1).tiles.length, 2);
  // a model without w has no view: a typed error that says what to do, not a TypeError
  assert.throws(
    () => denseWeights(undefined as never),
    (e: unknown) => e instanceof InvalidParameterError && /got undefined.*SynapseMonitor/.test(e.message),
  );
});
