/**
 * A missing argument or options object, or a population's name where the population belongs (as in Brian2 or
 * BindsNET), is an InvalidParameterError that says what to pass, never a TypeError from inside the library.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { InvalidParameterError } from "../../src/core/errors.ts";
import { createDataset } from "../../src/data/dataset.ts";
import { loadMnist } from "../../src/data/mnist.ts";
import { presentTest, trainSteps } from "../../src/experiments/unsupervised.ts";
import { importNir } from "../../src/io/nir/file.ts";
import { Lcsnn } from "../../src/models/lcsnn.ts";
import { HeldCurrentDrive } from "../../src/network/current-drive.ts";
import { LinearReadout } from "../../src/network/linear-readout.ts";
import { SpikeCounter, SpikeMonitor, StateMonitor } from "../../src/network/monitors.ts";
import { Network } from "../../src/network/network.ts";
import { Input } from "../../src/neurons/input.ts";
import { LIF } from "../../src/neurons/lif.ts";
import { SpikeTrace } from "../../src/plasticity/trace.ts";
import { Dense } from "../../src/projections/dense.ts";
import { LateralInhibition } from "../../src/projections/lateral-inhibition.ts";
import { OneToOne } from "../../src/projections/one-to-one.ts";
import { Sparse } from "../../src/projections/sparse.ts";

const refused = (f: () => unknown, message: RegExp) =>
  assert.throws(f, (e: unknown) => e instanceof InvalidParameterError && message.test(e.message));

test("a population's name in the population's place says to pass the population itself", () => {
  const net = new Network({ dt_ms: 1 });
  net.addPopulation("X", new Input(2));
  net.addPopulation("Y", new LIF(2, 1));
  const hint =
    /must be a population \(the object that addPopulation returns\), got string "Y"; pass the population itself, e\.g\. net\.population\("Y"\)$/;
  refused(
    () => new Dense("X" as never, "Y" as never, { weights: 0.5 } as never),
    /^Dense source must be a population/,
  );
  refused(() => new OneToOne(net.population("X"), "Y" as never, { weights: 1 } as never), /^OneToOne target/);
  refused(() => new SpikeMonitor("Y" as never), hint);
  refused(() => new StateMonitor("Y" as never, "v_mV"), hint);
  refused(() => new SpikeCounter("Y" as never), hint);
  refused(() => new SpikeTrace("Y" as never, 1), hint);
  refused(() => new LateralInhibition("Y" as never, { strength_mV: 1 }), hint);
  // a monitor without a population used to pass addMonitor and break inside run
  refused(
    () => new SpikeMonitor(undefined as never),
    /^SpikeMonitor population must be a population .*got undefined$/,
  );
});

test("a missing options object or argument is named with an example", () => {
  const net = new Network({ dt_ms: 1 });
  const x = net.addPopulation("X", new Input(2));
  const y = net.addPopulation("Y", new LIF(2, 1));
  refused(
    () => new HeldCurrentDrive([1], 1, 1, [1.2], undefined as never),
    /needs its options, at least holdSteps/,
  );
  refused(
    () => new Sparse(x, y, undefined as never),
    /needs the CSR arrays \{ rowPtr, colIdx, w \}, got undefined; or build/,
  );
  refused(() => new LateralInhibition(y, undefined as never), /needs its options, at least strength_mV/);
  refused(() => new LinearReadout(y as never, [1, 1]), /reads a live state buffer .*got a LIF/);
  refused(
    () => new LinearReadout(new Float64Array(2), undefined as never),
    /one weight per entry .*got undefined$/,
  );
  const model = new Lcsnn({ filters: 1 });
  refused(
    () => trainSteps(model, undefined as never).next(),
    /^trainSteps needs the data set as its second argument/,
  );
  refused(() => presentTest(model, undefined as never, [0], 1), /^presentTest needs the data set/);
  refused(() => loadMnist(undefined as never), /^loadMnist needs its options, at least the split/);
  refused(
    () => createDataset(undefined as never),
    /^createDataset needs \{ images, labels, rows, cols, numClasses \}/,
  );
});

test("importNir without its file or options rejects with the call to make", async () => {
  await assert.rejects(
    importNir(undefined as never, undefined as never),
    (e: unknown) =>
      e instanceof InvalidParameterError &&
      /needs the file .* and the options with at least dt_s/.test(e.message),
  );
});

test("arguments in the wrong order are named with the order: new LIF(size, dt_ms, params), net.run(inputs, steps)", () => {
  refused(
    () => new LIF(10, { tauMem_ms: 20 } as never),
    /^dt_ms must be a number > 0, got an object with keys \["tauMem_ms"\]; neuron models are built as new Model\(size, dt_ms, params\), e\.g\. new LIF\(10, 1, \{ tauMem_ms: 20 \}\)$/,
  );
  const net = new Network({ dt_ms: 1 });
  net.addPopulation("Y", new LIF(2, 1));
  refused(
    () => net.run(500 as never, {} as never),
    /^steps must be an integer >= 0, got an object with keys \[\]; call net\.run\(inputs, steps\), e\.g\. net\.run\(\{ X: train \}, 500\)$/,
  );
  // a number in the wrong range keeps the plain message
  refused(() => new LIF(10, 0), /^dt_ms must be > 0, got 0$/);
});
