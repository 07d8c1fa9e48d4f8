import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidParameterError } from "../../src/core/errors.ts";
import { Network } from "../../src/network/network.ts";
import { SpikeMonitor, StateMonitor } from "../../src/network/monitors.ts";
import { LIF } from "../../src/neurons/lif.ts";

test("StateMonitor.trace refuses a position that is not an integer in [0, neurons.length)", () => {
  const net = new Network({ dt_ms: 1 });
  const pop = net.addPopulation("y", new LIF(3, 1));
  pop.state("v_mV")[1] = -60;
  // records neurons 2 and 1 of the population, at positions 0 and 1
  const mon = net.addMonitor(new StateMonitor(pop, "v_mV", { neurons: [2, 1] }));
  net.run({}, 2);
  // trace(-1) used to return [NaN, <a sample of the other neuron>], trace(2) and trace(0.5) other garbage
  for (const k of [-1, 2, 0.5, NaN, Infinity]) {
    assert.throws(
      () => mon.trace(k),
      (e: unknown) => {
        assert.ok(e instanceof InvalidParameterError, String(e));
        assert.equal(
          e.message,
          `StateMonitor.trace: k = ${k} is not a position in the monitor's neurons: use an integer from 0 to 1 ` +
            `(it records 2 neurons; neurons[k] is the population index)`,
        );
        return true;
      },
    );
  }
  assert.throws(() => mon.trace("1" as unknown as number), /k = string "1" is not a position/);
  assert.equal(mon.trace(1).length, 2);
  assert.ok(mon.trace(1)[0] > -65, "position 1 is population neuron 1, which started at -60 mV");
});

test("StateMonitor refuses an empty neuron list, which would record no values", () => {
  // it used to be accepted and recorded only step numbers; an empty list is most often a filter that matched nothing
  const pop = new LIF(3, 1);
  assert.throws(
    () => new StateMonitor(pop, "v_mV", { neurons: [] }),
    (e: unknown) =>
      e instanceof InvalidParameterError &&
      e.message ===
        "StateMonitor neurons is an empty list, so it would record no values: list at least one neuron index " +
          "(0 to 2), or leave neurons out to record all 3",
  );
  assert.throws(() => new StateMonitor(pop, "v_mV", { neurons: new Int32Array(0) }), /is an empty list/);
  assert.equal(new StateMonitor(pop, "v_mV", { neurons: [2] }).neurons[0], 2);
});

test("removeMonitor: the monitor records nothing more and keeps its record; an unknown one is refused", () => {
  const net = new Network({ dt_ms: 1 });
  const pop = net.addPopulation("y", new LIF(2, 1));
  const a = net.addMonitor(new StateMonitor(pop, "v_mV"));
  const b = net.addMonitor(new StateMonitor(pop, "v_mV"));
  assert.deepEqual(net.monitorList, [a, b]);
  net.run({}, 3);
  net.removeMonitor(a);
  assert.deepEqual(net.monitorList, [b]);
  net.run({}, 2);
  assert.equal(a.trace(0).length, 3, "the removed monitor keeps its 3 samples and takes no more");
  assert.equal(b.trace(0).length, 5);
  for (const m of [a, new StateMonitor(pop, "v_mV")]) {
    assert.throws(
      () => net.removeMonitor(m),
      (e: unknown) =>
        e instanceof InvalidParameterError &&
        e.message ===
          "removeMonitor: a StateMonitor is not a monitor of this network (never added, or already removed)",
    );
  }
  // the list is a copy: changing it changes nothing in the network
  net.monitorList.length = 0;
  assert.deepEqual(net.monitorList, [b]);
});

test("a StateMonitor window or a SpikeMonitor capacity too large for one buffer is refused up front", () => {
  const limit =
    "more than the 2147483647 entries \\(2\\^31 - 1, the int32 index limit\\) one buffer may hold; ";
  const net = new Network({ dt_ms: 1 });
  const p = net.addPopulation("p", new LIF(4, 1));
  assert.throws(
    () => new StateMonitor(p, "v_mV", { neurons: [0], window: 1e12 }),
    (e: unknown) =>
      e instanceof InvalidParameterError &&
      new RegExp(
        `^StateMonitor window = 1000000000000 samples x 1 neurons would need a buffer of 1000000000000 entries ` +
          `\\(3725\\.3 GiB\\), ${limit}use a smaller window or record fewer neurons$`,
      ).test(e.message),
  );
  // the samples x neurons product is what counts (checked before anything is allocated)
  assert.throws(
    () => new StateMonitor(p, "v_mV", { window: 2 ** 30 }),
    new RegExp(
      `^InvalidParameterError: StateMonitor window = 1073741824 samples x 4 neurons would need a buffer of 4294967296 entries \\(16\\.0 GiB\\), ${limit}`,
    ),
  );
  assert.throws(
    () => new SpikeMonitor(p, { initialCapacity: 1e12 }),
    new RegExp(
      `^InvalidParameterError: SpikeMonitor initialCapacity = 1000000000000 would need a buffer of 1000000000000 ` +
        `entries \\(3725\\.3 GiB\\), ${limit}give a smaller initialCapacity \\(the buffers grow as spikes arrive\\)$`,
    ),
  );
  // realistic sizes build: a window of four million samples
  assert.equal(new StateMonitor(p, "v_mV", { neurons: [0], window: 4_000_000 }).window, 4_000_000);
});
