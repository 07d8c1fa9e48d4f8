/**
 * Input population: neurons with no dynamics whose spikes are set from outside (encoders, spike trains).
 * Source: the role of BindsNET's `Input` nodes; see docs/models/input.md.
 *
 *   spikes(t) = { i : emit(i) was called during step t }  union  { i : port "spikes"[i] != 0 }
 *
 * Two ways in, both for the step being taken (phase 2 of the step order, before populations step):
 *   - the event path `emit(i)` (SpikeSink): costs O(1) per call and O(spikes) per step; calling it twice for
 *     the same neuron in one step gives one spike;
 *   - the default port "spikes": a Float32Array where any nonzero entry is a spike. It is scanned (O(size))
 *     only once `port()` has been called at least once, so a population fed only through `emit` never pays
 *     for the scan.
 * `step()` turns what arrived into this step's spike list, ascending and without duplicates, and clears both.
 * There is no state variable besides the spikes.
 */
import { InvalidParameterError } from "../core/errors.ts";
import type { SpikeSink, StepContext } from "../network/types.ts";
import { PopulationBase } from "./base.ts";

export class Input extends PopulationBase implements SpikeSink {
  readonly model = "input";
  /** Neurons emitted in the current step, in call order: `pending[0 .. pendingCount)`. */
  private readonly pending: Int32Array;
  private pendingCount = 0;
  /** 1 where a neuron is already in `pending` (makes `emit` idempotent within a step). */
  private readonly queued: Uint8Array;
  /** Becomes true at the first `port()` call; from then on `step` scans the port buffer. */
  private portInUse = false;

  constructor(size: number, ...extra: never[]) {
    // an explicit undefined changes nothing, as for every model (requireNoExtraArguments)
    if (extra.some((value) => value !== undefined)) {
      throw new InvalidParameterError(
        `Input takes only its size (it has no dynamics, so neither a dt nor parameters), got ${extra.length + 1} ` +
          `arguments; use new Input(${size})`,
      );
    }
    super(size, ["spikes"]);
    this.pending = new Int32Array(size);
    this.queued = new Uint8Array(size);
  }

  override port(name?: string): Float32Array {
    const buffer = super.port(name);
    this.portInUse = true;
    return buffer;
  }

  /** Makes neuron `i` spike in the step being taken. Idempotent within a step. */
  emit(i: number): void {
    // `i >>> 0 !== i` rejects negatives, fractions and NaN in one comparison.
    if (i >>> 0 !== i || i >= this.size) {
      throw new InvalidParameterError(
        `Input.emit: neuron index ${String(i)} is not an integer in [0, ${this.size}); ` +
          "check that the encoder's size matches the population",
        { index: i, size: this.size },
      );
    }
    if (this.queued[i] === 0) {
      this.queued[i] = 1;
      this.pending[this.pendingCount++] = i;
    }
  }

  step(_ctx: StepContext): void {
    this.beginSpikes();
    if (this.portInUse) this.collectPort();
    const n = this.pendingCount;
    const pending = this.pending;
    const queued = this.queued;
    if (!isAscending(pending, n)) {
      if (n * 8 >= this.size) {
        // Many spikes: rebuilding the list from the flags is O(size) and already sorted.
        let k = 0;
        for (let i = 0; i < this.size; i++) if (queued[i] !== 0) pending[k++] = i;
      } else {
        heapSort(pending, n);
      }
    }
    for (let k = 0; k < n; k++) {
      const i = pending[k];
      queued[i] = 0;
      this.pushSpike(i);
    }
    this.pendingCount = 0;
  }

  override reset(): void {
    super.reset();
    for (let k = 0; k < this.pendingCount; k++) this.queued[this.pending[k]] = 0;
    this.pendingCount = 0;
  }

  /** Moves the nonzero entries of the "spikes" port into `pending` and zeroes the port. */
  private collectPort(): void {
    const buf = this.portAt(0);
    for (let i = 0; i < this.size; i++) {
      if (buf[i] !== 0) {
        buf[i] = 0;
        if (this.queued[i] === 0) {
          this.queued[i] = 1;
          this.pending[this.pendingCount++] = i;
        }
      }
    }
  }
}

function isAscending(a: Int32Array, n: number): boolean {
  for (let k = 1; k < n; k++) if (a[k - 1] > a[k]) return false;
  return true;
}

/** In-place ascending heap sort of `a[0 .. n)`; allocates nothing (a typed-array subarray would). */
function heapSort(a: Int32Array, n: number): void {
  for (let start = (n >> 1) - 1; start >= 0; start--) siftDown(a, start, n);
  for (let end = n - 1; end > 0; end--) {
    const t = a[0];
    a[0] = a[end];
    a[end] = t;
    siftDown(a, 0, end);
  }
}

function siftDown(a: Int32Array, root: number, n: number): void {
  const x = a[root];
  let i = root;
  for (;;) {
    let child = 2 * i + 1;
    if (child >= n) break;
    if (child + 1 < n && a[child + 1] > a[child]) child++;
    if (a[child] <= x) break;
    a[i] = a[child];
    i = child;
  }
  a[i] = x;
}
