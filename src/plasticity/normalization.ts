/**
 * Per-neuron L1 normalisation of incoming weights, applied once at the end of every `Network.run` while
 * learning (after each example, as Diehl & Cook 2015 and BindsNET do):
 *
 *   w_ij <- w_ij * total / sum_i w_ij      for every post neuron j
 *
 * Diehl & Cook use total = 78 (0.1 x 784 in BindsNET: 78.4); the LC-SNN uses 0.2 x kernel area.
 * A neuron whose incoming weights sum to 0 is left unchanged (never 0/0 = NaN; case C16).
 * On a bounded projection a weight that the scaling moves outside [wMin, wMax] is set to the bound, as after
 * an STDP update (that neuron then sums to a little less or more than `total`); a total that a neuron's
 * fan-in cannot reach within the bounds (total > fan-in x wMax, or total < fan-in x wMin) is refused when the
 * rule is built.
 * For shared (convolutional) weights the per-neuron sums overlap; normalisation is meant for un-shared views.
 *
 * Cost: the first normalisation visits every neuron. After it, when every other rule on the projection is an
 * STDP rule (which reports the neurons whose incoming weights it changed), only those neurons are
 * renormalised: the others still sum to the total. Call `markAllChanged()` after editing weights by hand.
 */
import { InvalidParameterError, requirePositive } from "../core/errors.ts";
import { describeValue, refuseExtraArguments } from "../core/options.ts";
import type { LearningRule, Projection, SynapseView } from "../network/types.ts";
import { Stdp } from "./stdp.ts";

/**
 * What normalising a projection's incoming weights needs: the synapses, the target sum, scratch index buffers
 * of `view.maxFanIn` entries and the weight bounds. `IncomingNormalization` is one; `normalizeIncoming` and
 * `normalizeNeuron` build one per call. The numbers are read from this object inside the loop, not passed as
 * arguments: a non-inlined call boxes every non-integer number it is given, a heap allocation per neuron.
 */
interface NormalizationTarget {
  readonly view: SynapseView;
  readonly total: number;
  readonly pre: Int32Array;
  readonly widx: Int32Array;
  readonly wMax: number;
  readonly wMin: number;
}

/** Scales post neuron j's incoming weights in `t` to sum to `t.total` (left alone when they sum to 0). */
function normalizeOne(t: NormalizationTarget, j: number): void {
  const w = t.view.w;
  const widx = t.widx;
  const n = t.view.incoming(j, t.pre, widx);
  let sum = 0;
  for (let s = 0; s < n; s++) sum += w[widx[s]];
  if (sum === 0) return;
  const f = t.total / sum;
  // "* 1" makes the bounds float64 here: loaded from a field that holds a small integer (wMax 1, wMin 0),
  // a bound made the clamp below merge an integer with a float64, which V8 did by boxing every weight it
  // wrote (a heap number per synapse, about 500 KB per pass over the LC-SNN's 225 neurons)
  const wMax = t.wMax * 1;
  const wMin = t.wMin * 1;
  for (let s = 0; s < n; s++) {
    const x = w[widx[s]] * f;
    w[widx[s]] = x > wMax ? wMax : x < wMin ? wMin : x;
  }
}

/** Scales post neuron j's incoming weights to sum to `total` (left alone when they sum to 0). */
export function normalizeNeuron(
  view: SynapseView,
  j: number,
  total: number,
  pre: Int32Array,
  widx: Int32Array,
  wMax = Infinity,
  wMin = -Infinity,
): void {
  normalizeOne({ view, total, pre, widx, wMax, wMin }, j);
}

/** Scales every post neuron's incoming weights to sum to `total` (see `normalizeNeuron`). */
export function normalizeIncoming(
  view: SynapseView,
  total: number,
  pre: Int32Array,
  widx: Int32Array,
  wMax = Infinity,
  wMin = -Infinity,
): void {
  const t = { view, total, pre, widx, wMax, wMin };
  for (let j = 0; j < view.postSize; j++) normalizeOne(t, j);
}

/** A visitor that does nothing (drops a rule's changed-neuron list without allocating a closure). */
const ignore = (): void => {};

export class IncomingNormalization implements LearningRule, NormalizationTarget {
  readonly name = "normalize-incoming";
  /** Scratch buffers of `view.maxFanIn` entries (read only). */
  readonly pre: Int32Array;
  readonly widx: Int32Array;
  readonly view: SynapseView;
  /** The projection's weight bounds (infinite without bounds). */
  readonly wMax: number;
  readonly wMin: number;
  private allChanged = true;
  /** Post neurons already renormalised in this `afterRun` (several STDP rules may report the same one). */
  private readonly seen: Uint8Array;
  private readonly seenList: Int32Array;
  private seenCount = 0;

  /** Construction settings, recorded by a saved network to tell a rebuilt one with other options. */
  settings(): Record<string, number> {
    return { total: this.total };
  }
  private readonly visitOnce = (j: number): void => {
    if (this.seen[j] !== 0) return;
    this.seen[j] = 1;
    this.seenList[this.seenCount++] = j;
    normalizeOne(this, j);
  };

  constructor(
    readonly projection: Projection,
    /** Target sum of each neuron's incoming weights. */
    readonly total: number,
    ...extra: never[]
  ) {
    refuseExtraArguments("IncomingNormalization", "projection, total", extra);
    if (typeof projection !== "object" || projection === null || !Array.isArray(projection.rules)) {
      throw new InvalidParameterError(
        `IncomingNormalization needs a projection (what net.addProjection returns), got ${describeValue(projection)}`,
      );
    }
    requirePositive("normalisation total", total);
    if (!projection.view) {
      throw new InvalidParameterError(`a ${projection.kind} projection has no weights to normalise`);
    }
    const other = projection.rules.find((r) => r instanceof IncomingNormalization);
    if (other !== undefined) {
      throw new InvalidParameterError(
        `this ${projection.kind} projection already normalises its incoming weights to ` +
          `${(other as IncomingNormalization).total}; a second IncomingNormalization (total ${total}) would ` +
          `contradict it: keep one`,
        { total, existing: (other as IncomingNormalization).total },
      );
    }
    this.view = projection.view;
    this.pre = new Int32Array(this.view.maxFanIn);
    this.widx = new Int32Array(this.view.maxFanIn);
    this.wMax = projection.bounds?.wMax ?? Infinity;
    this.wMin = projection.bounds?.wMin ?? -Infinity;
    // a weight that several synapses share (a convolution's kernel) would be rescaled once per post neuron it
    // reaches, in turn, so no neuron's sum would end at the total: refused
    const owner = new Int32Array(this.view.w.length).fill(-1);
    for (let j = 0; j < this.view.postSize; j++) {
      const fanIn = this.view.incoming(j, this.pre, this.widx);
      for (let k = 0; k < fanIn; k++) {
        const w = this.widx[k];
        if (owner[w] >= 0) {
          throw new InvalidParameterError(
            `a ${projection.kind} projection shares weights among synapses (weight ${w} reaches post neurons ` +
              `${owner[w]} and ${j}), so its post neurons' sums cannot be normalised one by one; normalise a ` +
              `projection whose synapses have weights of their own (Dense, Sparse, OneToOne, Local2d)`,
            { kind: projection.kind, weight: w },
          );
        }
        owner[w] = j;
      }
      if (fanIn > 0 && total > fanIn * this.wMax) {
        throw new InvalidParameterError(
          `normalisation total ${total} cannot be reached: post neuron ${j} has ${fanIn} incoming weights of ` +
            `at most wMax = ${this.wMax} (sum at most ${fanIn * this.wMax}); lower the total or raise wMax`,
          { total, neuron: j, fanIn, wMax: this.wMax },
        );
      }
      if (fanIn > 0 && total < fanIn * this.wMin) {
        throw new InvalidParameterError(
          `normalisation total ${total} cannot be reached: post neuron ${j} has ${fanIn} incoming weights of ` +
            `at least wMin = ${this.wMin} (sum at least ${fanIn * this.wMin}); raise the total or lower wMin`,
          { total, neuron: j, fanIn, wMin: this.wMin },
        );
      }
    }
    this.seen = new Uint8Array(this.view.postSize);
    this.seenList = new Int32Array(this.view.postSize);
    projection.rules.push(this);
  }

  update(): void {}

  /** Declares the weights already normalised (restoring a checkpoint): the next pass visits changed neurons only. */
  markNormalized(): void {
    this.allChanged = false;
  }

  /** The next normalisation visits every neuron. */
  markAllChanged(): void {
    this.allChanged = true;
  }

  afterRun(): void {
    // index loops: a for-of here allocated an iterator per run
    const rules = this.projection.rules;
    let tracked = true;
    for (let k = 0; k < rules.length; k++)
      if (rules[k] !== this && !(rules[k] instanceof Stdp)) tracked = false;
    if (this.allChanged || !tracked) {
      for (let k = 0; k < rules.length; k++) {
        const r = rules[k];
        if (r instanceof Stdp) r.takeChanged(ignore);
      }
      for (let j = 0; j < this.view.postSize; j++) normalizeOne(this, j);
      this.allChanged = false;
      return;
    }
    for (let k = 0; k < rules.length; k++) {
      const r = rules[k];
      if (r instanceof Stdp) r.takeChanged(this.visitOnce);
    }
    for (let k = 0; k < this.seenCount; k++) this.seen[this.seenList[k]] = 0;
    this.seenCount = 0;
  }

  /**
   * Whether the next pass renormalises every neuron (1) or only those STDP changed (0): a network restored
   * from a file renormalises exactly as the saved one would have (renormalising is not a no-op for a neuron
   * whose weights sit at a bound).
   */
  learnedValues(): Readonly<Record<string, number>> {
    this.takeOverInterrupted();
    return { pending: this.allChanged ? 1 : 0 };
  }

  /**
   * After an interrupted run (a step threw, so no `afterRun`), STDP's changed-neuron lists still hold the
   * neurons that run changed. They become a full pass instead (`pending` 1), which a saved file can hold: so
   * the network and one restored from it normalise alike. Called by `reset()` and by `learnedValues()`.
   */
  private takeOverInterrupted(): void {
    let interrupted = false;
    for (const r of this.projection.rules) if (r instanceof Stdp && r.hasChanged()) interrupted = true;
    if (!interrupted) return;
    for (const r of this.projection.rules) if (r instanceof Stdp) r.takeChanged(ignore);
    this.allChanged = true;
  }

  /** Refuses a `pending` flag other than 0 or 1. */
  checkLearnedValues(values: Readonly<Record<string, number>>): void {
    if (values.pending !== 0 && values.pending !== 1) {
      throw new InvalidParameterError(
        `IncomingNormalization pending = ${values.pending}; it is 1 (the next pass renormalises every neuron) or 0`,
      );
    }
  }

  /** Takes the saved `pending` flag. */
  restoreLearnedValues(values: Readonly<Record<string, number>>): void {
    this.allChanged = values.pending === 1;
  }

  /** Transient state: none. An interrupted run's changed neurons become a full pass (takeOverInterrupted). */
  reset(): void {
    this.takeOverInterrupted();
  }
}
