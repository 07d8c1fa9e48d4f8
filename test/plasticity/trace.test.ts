import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidParameterError, ShapeMismatchError } from "../../src/core/errors.ts";
import { SpikeTrace } from "../../src/plasticity/trace.ts";
import { FakePopulation } from "../projections/fake-population.ts";

function traceAfterSpike(): SpikeTrace {
  const pop = new FakePopulation(2);
  const tr = new SpikeTrace(pop, 1, { tau_ms: 10 });
  pop.fire([1]);
  tr.observe(3);
  return tr;
}

test("value refuses a neuron that is not an integer in [0, size), naming it and the range", () => {
  const tr = traceAfterSpike();
  // value(5, 0) used to return 0 for a neuron the population does not have
  for (const i of [5, 2, -1, 0.5, NaN]) {
    assert.throws(
      () => tr.value(i, 4),
      (e: unknown) => {
        assert.ok(e instanceof InvalidParameterError, String(e));
        assert.equal(
          e.message,
          `SpikeTrace.value: neuron ${i} is not a neuron of the population: use an integer from 0 to 1 (size 2)`,
        );
        return true;
      },
    );
  }
});

test("value refuses a step that is not an integer >= 0, or is before the neuron's last spike", () => {
  const tr = traceAfterSpike();
  assert.throws(
    () => tr.value(1, 4.5),
    /^InvalidParameterError: SpikeTrace.value: step must be an integer >= 0, got 4.5$/,
  );
  assert.throws(() => tr.value(0, -1), /step must be an integer >= 0, got -1/);
  assert.throws(() => tr.value(0, NaN), /step must be an integer >= 0, got NaN/);
  assert.throws(
    () => tr.value(1, 2),
    /SpikeTrace.value: step 2 is before neuron 1's last observed spike at step 3/,
  );
  // valid reads are unchanged
  assert.equal(tr.value(1, 3), 1);
  assert.ok(Math.abs(tr.value(1, 13) - Math.exp(-1)) < 1e-12);
  assert.equal(tr.value(0, 13), 0);
  assert.equal(tr.value(1, 1_000_000), 0);
});

test("fill needs one entry per neuron; observe needs an integer step", () => {
  const tr = traceAfterSpike();
  assert.throws(
    () => tr.fill(4, new Float32Array(3)),
    (e: unknown) =>
      e instanceof ShapeMismatchError &&
      e.message === "SpikeTrace.fill: out must have one entry per neuron (2), got a Float32Array of length 3",
  );
  const out = new Float32Array(2);
  tr.fill(13, out);
  assert.deepEqual([...out], [0, Math.fround(tr.value(1, 13))]);
  assert.throws(
    () => tr.observe(4.5),
    /^InvalidParameterError: SpikeTrace.observe: step must be an integer >= 0, got 4.5$/,
  );
  assert.throws(() => tr.observe(-2), /got -2/);
});

test("a trace scale beyond float32 is refused: it scales weight updates into float32 weights", () => {
  assert.throws(
    () => new SpikeTrace(new FakePopulation(2), 1, { scale: 1e39 }),
    /^InvalidParameterError: trace scale = 1e\+39 is beyond the float32 range \(magnitude up to 3\.4028234663852886e\+38\) of the state it scales or adds into, where the result would become Infinity; rescale it$/,
  );
  assert.equal(new SpikeTrace(new FakePopulation(2), 1, { scale: -3e38 }).params.scale, -3e38);
});

test("a SpikeTrace without a valid dt_ms is refused (its decay was NaN and it read 0 a step after a spike)", () => {
  const pop = new FakePopulation(2);
  const make =
    (...args: unknown[]) =>
    () =>
      new (SpikeTrace as unknown as new (...a: unknown[]) => SpikeTrace)(pop, ...args);
  assert.throws(
    make({ tau_ms: 5 }),
    (e: unknown) =>
      e instanceof InvalidParameterError &&
      e.message ===
        "SpikeTrace needs the network's time step dt_ms (a number > 0) as its second argument, got an object " +
          'with keys ["tau_ms"]; call new SpikeTrace(population, net.dt_ms, { tau_ms, mode, scale })',
  );
  assert.throws(make(), /got undefined; call new SpikeTrace\(population, net\.dt_ms/);
  for (const bad of [0, -1, NaN, Infinity])
    assert.throws(make(bad), /SpikeTrace needs the network's time step/);
  const t = new SpikeTrace(pop, 1, { tau_ms: 5 });
  assert.equal(t.decay, Math.exp(-1 / 5));
});
