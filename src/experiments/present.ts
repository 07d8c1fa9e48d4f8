/**
 * One presentation of an image to an unsupervised model, with the LC-SNN protocol's low-activity retry:
 * if the output fires fewer than `minSpikes` spikes, the input intensity is doubled and the image is shown
 * again without resetting the network (learning continues), up to `maxRetries` times. The readouts use the
 * spikes of the last attempt. The network is reset (voltages, traces; not weights or theta) afterwards.
 *
 * A retry that would push some input above one spike per step (rate x dt > 1; the Poisson encoder rejects
 * that rather than clipping it) is not made: the presentation keeps its last attempt, and the warning
 * "retry-rate-limit" says so once. With the LC-SNN's 0.5 Hz per pixel unit at dt = 1 ms this affects only the
 * third retry of images with saturated pixels (255 x 0.5 x 8 = 1020 Hz).
 *
 * Randomness: attempt a of example i of split s encodes with createRng(seed, "encode", s, i, a) and the
 * one-spike choice uses createRng(seed, "one-spike", s, i), so an example's spikes do not depend on the
 * order in which examples are processed or on the number of workers.
 */
import { StateError } from "../core/errors.ts";
import { createRng } from "../core/rng.ts";
import { log } from "../core/log.ts";
import { poisson } from "../encoding/poisson.ts";
import { SpikeMonitor } from "../network/monitors.ts";
import type { SpikeEvents } from "../readout/events.ts";
import type { UnsupervisedModel } from "../models/types.ts";

export type Split = "train" | "test";

export interface RetryRule {
  /** Fewer output spikes than this trigger a retry. Paper: 5. */
  readonly minSpikes: number;
  /** At most this many retries (intensity x2 each). Paper: 3. */
  readonly maxRetries: number;
}

export const RETRY_DEFAULTS: Readonly<RetryRule> = Object.freeze({ minSpikes: 5, maxRetries: 3 });

export interface Presentation {
  /** Output spikes of the last attempt (copied; steps count from the start of the example). */
  readonly events: SpikeEvents;
  /** Attempts made (1 = no retry). */
  readonly attempts: number;
}

/** Shows images to one model; owns the reusable buffers. */
export class Presenter {
  private readonly rates: Float32Array;
  private readonly scaled: Float32Array;
  private readonly monitor: SpikeMonitor;
  private closed = false;

  constructor(
    readonly model: UnsupervisedModel,
    readonly seed: number,
    readonly retry: RetryRule = RETRY_DEFAULTS,
  ) {
    this.rates = new Float32Array(model.inputSize);
    this.scaled = new Float32Array(model.inputSize);
    this.monitor = model.net.addMonitor(new SpikeMonitor(model.output, { initialCapacity: 1024 }));
  }

  /**
   * Takes the presenter's spike monitor out of the model's network, so that a model presented to many
   * times (an interactive page, repeated evaluations) does not collect one monitor per presenter. The
   * presenter cannot present afterwards. Calling it twice is harmless.
   */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.model.net.removeMonitor(this.monitor);
  }

  present(image: Uint8Array, split: Split, index: number, learning: boolean): Presentation {
    if (this.closed) throw new StateError("this Presenter is closed; make a new one to present again");
    const m = this.model;
    const net = m.net;
    net.learning = learning;
    m.rates(image, this.rates);
    m.setExampleRng(createRng(this.seed, "one-spike", split, index));
    let maxRate = 0;
    for (let i = 0; i < this.rates.length; i++) if (this.rates[i] > maxRate) maxRate = this.rates[i];
    let attempts = 0;
    let factor = 1;
    for (;;) {
      for (let i = 0; i < this.rates.length; i++) this.scaled[i] = this.rates[i] * factor;
      const train = poisson(this.scaled, {
        steps: m.steps,
        dt_ms: m.dt_ms,
        rng: createRng(this.seed, "encode", split, index, attempts),
      });
      this.monitor.reset();
      net.run({ X: train }, m.steps);
      attempts++;
      if (this.monitor.count >= this.retry.minSpikes || attempts > this.retry.maxRetries) break;
      if ((maxRate * factor * 2 * m.dt_ms) / 1000 > 1) {
        log.warn(
          "retry-rate-limit",
          // the same words for every example, so that the warning is printed once per run
          `a low-activity retry would drive an input above ${+(1000 / m.dt_ms).toPrecision(6)} Hz, more than ` +
            `one spike per ${m.dt_ms} ms step; such examples keep their last attempt (lower the intensity or ` +
            `dt to allow it)`,
          { once: true },
        );
        break;
      }
      factor *= 2;
    }
    const events: SpikeEvents = {
      steps: this.monitor.steps.slice(),
      neurons: this.monitor.neurons.slice(),
      count: this.monitor.count,
    };
    net.reset();
    return { events, attempts };
  }
}
