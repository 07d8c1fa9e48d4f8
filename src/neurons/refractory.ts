/**
 * The refractory neurons of a population as a list, so that a step loop needs no per-neuron refractory test.
 *
 * Convention (docs/conventions.md): a neuron that spikes at step s gets counter R = t_ref / dt; at the start
 * of every later step the counter is decremented, and while it is still above zero the neuron is held: v keeps
 * the value it had after the reset and its membrane inputs of that step are discarded. So it is held in steps
 * s+1 .. s+R-1 and integrates again at step s+R (shortest inter-spike interval R steps).
 *
 * With the list, a model's step is: `countDown()`; then every neuron integrates, and one that crosses threshold
 * fires only if `left[i] === 0` (and is then appended with `idx[count] = i; vHeld[count++] = v after reset;
 * left[i] = R` when R > 0); then `restore(v)` writes the held voltage back into every listed neuron, which
 * also discards that neuron's inputs of the step. The work is proportional to the refractory neurons
 * (typically a few percent), not to the population.
 */
import { INT32_MAX, InvalidParameterError, requireInteger } from "../core/errors.ts";
import { msToSteps } from "../core/time.ts";

/**
 * R = tRef_ms / dt_ms, the refractory steps of a model, checked as a whole number of steps (msToSteps) that
 * its Int32Array counter holds: the counter takes R + `extra` (1 for a model that stores R + 1), which must
 * not pass 2^31 - 1, where it would wrap to a negative count and free the neuron at once. `name` is the option
 * as the model calls it, for the errors.
 */
export function refractorySteps(tRef_ms: number, dt_ms: number, extra = 0, name = "tRef_ms"): number {
  const steps = msToSteps(tRef_ms, dt_ms, name);
  const limit = INT32_MAX - extra;
  if (steps > limit) {
    throw new InvalidParameterError(
      `${name} = ${tRef_ms} ms is ${steps} steps of dt = ${dt_ms} ms, more than the ${limit} steps the int32 ` +
        `refractory counter holds; use a shorter ${name} or a larger dt_ms`,
      { [name]: tRef_ms, dt_ms, steps, limit },
    );
  }
  return steps;
}

/**
 * Sets the refractory counter of neuron i so that it is held in the next `steps` steps (0 frees it): the
 * counter is decremented at the start of each step and the neuron held while it stays above zero, so it
 * becomes `steps + 1`. Checks i against the population and `steps` as an integer >= 0. Models that test
 * their counters in the step loop (LIF, IF, Izhikevich) use this directly; RefractoryList through `set`.
 */
export function setRefractoryCounter(left: Int32Array, i: number, steps: number): void {
  requireInteger("neuron index", i, 0);
  if (i >= left.length) {
    throw new InvalidParameterError(
      `neuron index ${i} is out of range: the population has ${left.length} neurons`,
    );
  }
  requireInteger("refractory steps", steps, 0);
  if (steps > INT32_MAX - 1) {
    throw new InvalidParameterError(
      `refractory steps = ${steps} is more than the ${INT32_MAX - 1} steps the int32 refractory counter ` +
        `holds (it stores steps + 1); use fewer steps`,
      { steps, limit: INT32_MAX - 1 },
    );
  }
  left[i] = steps === 0 ? 0 : steps + 1;
}

/** The three buffers of a RefractoryList (see its fields). */
export interface RefractoryStorage {
  readonly left: Int32Array;
  readonly idx: Int32Array;
  readonly vHeld: Float32Array;
}

export class RefractoryList implements RefractoryStorage {
  /** Steps of refractoriness left per neuron (0: free). Change it only through `set`. */
  readonly left: Int32Array;
  /** The listed neurons (unordered); entries [0, count) are live. */
  readonly idx: Int32Array;
  /** The voltage each listed neuron is held at. */
  readonly vHeld: Float32Array;
  count = 0;

  /**
   * @param storage optional zeroed buffers of `size` entries allocated elsewhere (e.g. in the WebAssembly memory
   *   of a step kernel, src/neurons/two-port-kernel.ts), used instead of new ones.
   */
  constructor(size: number, storage?: RefractoryStorage) {
    this.left = storage?.left ?? new Int32Array(size);
    this.idx = storage?.idx ?? new Int32Array(size);
    this.vHeld = storage?.vHeld ?? new Float32Array(size);
  }

  /** Start of a step: decrements every listed counter and drops the neurons that reach zero. */
  countDown(): void {
    const { idx, vHeld, left } = this;
    let w = 0;
    for (let k = 0; k < this.count; k++) {
      const i = idx[k];
      const r = left[i] - 1;
      left[i] = r;
      if (r > 0) {
        idx[w] = i;
        vHeld[w] = vHeld[k];
        w++;
      }
    }
    this.count = w;
  }

  /** Lists neuron i (just reset to `v_mV`, counter already set); hot loops inline this with locals. */
  hold(i: number, v_mV: number): void {
    this.idx[this.count] = i;
    this.vHeld[this.count++] = v_mV;
  }

  /** End of a step: every listed neuron gets its held voltage back. */
  restore(v: Float32Array): void {
    const { idx, vHeld } = this;
    for (let k = 0; k < this.count; k++) v[idx[k]] = vHeld[k];
  }

  /**
   * Holds neuron i for `steps` steps from the next one at voltage `v_mV` (0 releases it at once). This is what
   * a spike does with steps = R - 1; use it to set refractoriness from outside.
   */
  set(i: number, steps: number, v_mV: number): void {
    setRefractoryCounter(this.left, i, steps);
    for (let k = 0; k < this.count; k++) {
      if (this.idx[k] === i) {
        const last = --this.count;
        this.idx[k] = this.idx[last];
        this.vHeld[k] = this.vHeld[last];
        break;
      }
    }
    if (steps > 0) {
      this.idx[this.count] = i;
      this.vHeld[this.count] = v_mV;
      this.count++;
    }
  }

  /** Frees every neuron. */
  clear(): void {
    this.left.fill(0);
    this.count = 0;
  }
}
