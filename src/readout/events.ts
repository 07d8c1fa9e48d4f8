/**
 * Spike event lists: one example's output spikes as parallel arrays of (step, neuron), sorted by step.
 * `count` entries are valid, so a recorder can reuse larger preallocated arrays. The n-gram readout needs
 * this firing order; the voting readouts need only the counts (`countsFromEvents`).
 */
import { InvalidParameterError, ShapeMismatchError, requireInteger } from "../core/errors.ts";

export interface SpikeEvents {
  /** Step of each spike, non-decreasing over [0, count). */
  readonly steps: Int32Array;
  /** Neuron of each spike. Within a step the order does not matter (readouts sort by index). */
  readonly neurons: Int32Array;
  /** Number of valid entries. */
  readonly count: number;
}

/** Throws unless the list is well formed: count within both arrays, steps sorted, neurons in range. */
export function checkEvents(ev: SpikeEvents, numNeurons: number): void {
  requireInteger("events.count", ev.count, 0);
  if (ev.count > ev.steps.length || ev.count > ev.neurons.length) {
    throw new ShapeMismatchError(
      `events.count = ${ev.count} exceeds steps (${ev.steps.length}) or neurons (${ev.neurons.length})`,
    );
  }
  for (let k = 0; k < ev.count; k++) {
    if (k > 0 && ev.steps[k] < ev.steps[k - 1]) {
      throw new InvalidParameterError(
        `events are not sorted by step: step ${ev.steps[k]} at entry ${k} follows ${ev.steps[k - 1]}; sort ` +
          `them by step first`,
      );
    }
    const n = ev.neurons[k];
    if (n < 0 || n >= numNeurons) {
      throw new InvalidParameterError(`events.neurons[${k}] = ${n} is outside [0, ${numNeurons})`);
    }
  }
}

/** Builds an event list from a dense raster [steps][neurons] (nonzero = spike). */
export function spikeEventsFromRaster(raster: ArrayLike<number>, numNeurons: number): SpikeEvents {
  requireInteger("numNeurons", numNeurons, 1);
  if (raster.length % numNeurons !== 0) {
    throw new ShapeMismatchError(`raster length ${raster.length} is not a multiple of ${numNeurons} neurons`);
  }
  let count = 0;
  for (let k = 0; k < raster.length; k++) if (raster[k] !== 0) count++;
  const steps = new Int32Array(count);
  const neurons = new Int32Array(count);
  let k = 0;
  for (let at = 0; at < raster.length; at++) {
    if (raster[at] === 0) continue;
    steps[k] = Math.floor(at / numNeurons);
    neurons[k] = at % numNeurons;
    k++;
  }
  return { steps, neurons, count };
}

/** Spike counts per neuron of one example (writes into `out` when given, after zeroing it). */
export function countsFromEvents(
  ev: SpikeEvents,
  numNeurons: number,
  out: Int32Array = new Int32Array(numNeurons),
): Int32Array {
  checkEvents(ev, numNeurons);
  if (out.length !== numNeurons) {
    throw new ShapeMismatchError(`out has length ${out.length}, needs ${numNeurons}`);
  }
  out.fill(0);
  for (let k = 0; k < ev.count; k++) out[ev.neurons[k]]++;
  return out;
}
