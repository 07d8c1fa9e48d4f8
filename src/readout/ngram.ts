/**
 * n-gram readout over the firing order (Saunders et al. 2019, LC-SNN; BindsNET `update_ngram_scores` and
 * `ngram`). An example's spikes are grouped by step; only steps with spikes count, so the groups
 * G_1, G_2, ..., G_T are the successive spiking steps (each sorted by neuron index).
 *
 *   n-grams of an example: for t = 1 .. T - n + 1, every tuple (g_1, ..., g_n) in G_t x ... x G_{t+n-1}
 *   training:   table[gram][label] += 1 for each n-gram of the example
 *   prediction: score = sum over the example's n-grams of table[gram] (unknown grams add nothing);
 *               argmax, ties to the lowest class; -1 when no n-gram of the example is in the table.
 *
 * Departures from BindsNET, on purpose: prediction uses the same n-grams as training (BindsNET flattens the
 * firing order into one list and scores its consecutive windows, and its loop `range(len - n)` skips the
 * last window); here every window counts. With at most one spike per step (LC-SNN's one_spike) the two
 * definitions agree apart from that last window.
 *
 * Keys: when numNeurons^n <= 2^53 a gram is the number sum_k g_k * numNeurons^(n-1-k) (exact in float64);
 * otherwise the string "g_1,...,g_n". Cost per example: the number of n-grams, i.e. the sum over windows of
 * the product of the group sizes.
 */
import { InvalidParameterError, ShapeMismatchError, requireInteger } from "../core/errors.ts";
import { requireKnownKeys } from "../core/options.ts";
import { argmaxPositive } from "./counts.ts";
import { checkEvents } from "./events.ts";
import type { SpikeEvents } from "./events.ts";

export interface NgramOptions {
  /** Length of the n-grams. Default 2 (LC-SNN). */
  readonly n: number;
}

export const NGRAM_DEFAULTS: Readonly<NgramOptions> = Object.freeze({ n: 2 });

export interface NgramTableJSON {
  readonly kind: "ngram";
  readonly version: 1;
  readonly n: number;
  readonly numNeurons: number;
  readonly numClasses: number;
  /** size * n neuron indices, one gram after the other. */
  readonly grams: number[];
  /** size * numClasses counts, row k belongs to gram k. */
  readonly scores: number[];
}

type Key = number | string;

export class NgramTable {
  readonly n: number;
  readonly numNeurons: number;
  readonly numClasses: number;
  private readonly numericKeys: boolean;
  private readonly rowOf = new Map<Key, number>();
  private grams: Int32Array;
  private table: Float64Array;
  private rows = 0;
  // Scratch for one example: neurons sorted within each step, and where each spiking step starts.
  private order = new Int32Array(64);
  private groupStart = new Int32Array(65);
  private readonly pick: Int32Array;
  private readonly scoreBuf: Float64Array;

  constructor(numNeurons: number, numClasses: number, opts: Partial<NgramOptions> = {}) {
    requireKnownKeys("NgramTable options", opts, ["n"]);
    this.numNeurons = requireInteger("numNeurons", numNeurons, 1);
    this.numClasses = requireInteger("numClasses", numClasses, 1);
    this.n = requireInteger("n", opts.n ?? NGRAM_DEFAULTS.n, 1);
    this.numericKeys = Math.pow(numNeurons, this.n) <= Number.MAX_SAFE_INTEGER + 1;
    this.grams = new Int32Array(64 * this.n);
    this.table = new Float64Array(64 * numClasses);
    this.pick = new Int32Array(this.n);
    this.scoreBuf = new Float64Array(numClasses);
  }

  /** Number of distinct n-grams seen in training. */
  get size(): number {
    return this.rows;
  }

  /** Adds one training example's n-grams to the column of `label`. */
  train(events: SpikeEvents, label: number): void {
    if (!Number.isInteger(label) || label < 0 || label >= this.numClasses) {
      throw new InvalidParameterError(`label ${label} is not a class in [0, ${this.numClasses})`);
    }
    const groups = this.prepare(events);
    this.forEachGram(groups, (key) => {
      let row = this.rowOf.get(key);
      if (row === undefined) row = this.addRow(key);
      this.table[row * this.numClasses + label] += 1;
    });
  }

  /** Trains on several examples in order. */
  trainMany(examples: readonly SpikeEvents[], labels: ArrayLike<number>): void {
    if (examples.length !== labels.length) {
      throw new ShapeMismatchError(
        `${examples.length} examples but ${labels.length} labels; pass one label each`,
      );
    }
    for (let e = 0; e < examples.length; e++) this.train(examples[e], labels[e]);
  }

  /**
   * Summed score vector of the example's known n-grams, written into `out` (zeroed first).
   * Returns the number of known n-grams found.
   */
  scoreInto(events: SpikeEvents, out: Float64Array): number {
    if (out.length !== this.numClasses) {
      throw new ShapeMismatchError(`out has length ${out.length}, needs numClasses = ${this.numClasses}`);
    }
    out.fill(0);
    let found = 0;
    const groups = this.prepare(events);
    this.forEachGram(groups, (key) => {
      const row = this.rowOf.get(key);
      if (row === undefined) return;
      found++;
      const base = row * this.numClasses;
      for (let c = 0; c < this.numClasses; c++) out[c] += this.table[base + c];
    });
    return found;
  }

  /** Summed score vector (a new array). */
  score(events: SpikeEvents): Float64Array {
    const out = new Float64Array(this.numClasses);
    this.scoreInto(events, out);
    return out;
  }

  /** Predicted class, or -1 when none of the example's n-grams was seen in training. */
  predict(events: SpikeEvents): number {
    const found = this.scoreInto(events, this.scoreBuf);
    return found === 0 ? -1 : argmaxPositive(this.scoreBuf, 0, this.numClasses);
  }

  predictMany(examples: readonly SpikeEvents[]): Int32Array {
    const out = new Int32Array(examples.length);
    for (let e = 0; e < examples.length; e++) out[e] = this.predict(examples[e]);
    return out;
  }

  /** Score vector of one gram (a copy), or undefined when it was never seen. */
  get(gram: readonly number[]): Float64Array | undefined {
    if (gram.length !== this.n) {
      throw new ShapeMismatchError(`gram has ${gram.length} neurons, this table holds ${this.n}-grams`);
    }
    const row = this.rowOf.get(this.keyOfList(gram));
    if (row === undefined) return undefined;
    return this.table.slice(row * this.numClasses, (row + 1) * this.numClasses);
  }

  toJSON(): NgramTableJSON {
    return {
      kind: "ngram",
      version: 1,
      n: this.n,
      numNeurons: this.numNeurons,
      numClasses: this.numClasses,
      grams: Array.from(this.grams.subarray(0, this.rows * this.n)),
      scores: Array.from(this.table.subarray(0, this.rows * this.numClasses)),
    };
  }

  static fromJSON(json: NgramTableJSON): NgramTable {
    if (json?.kind !== "ngram" || json.version !== 1) {
      throw new InvalidParameterError(
        `not a saved NgramTable (kind ${JSON.stringify(json?.kind)}, version ${json?.version}); pass the ` +
          `object NgramTable.toJSON() returned`,
      );
    }
    const t = new NgramTable(json.numNeurons, json.numClasses, { n: json.n });
    const rows = json.grams.length / t.n;
    if (!Number.isInteger(rows) || json.scores.length !== rows * t.numClasses) {
      throw new ShapeMismatchError(
        `saved NgramTable is inconsistent: ${json.grams.length} gram entries (n = ${t.n}) and ` +
          `${json.scores.length} scores (numClasses = ${t.numClasses})`,
      );
    }
    const gram: number[] = new Array<number>(t.n);
    for (let r = 0; r < rows; r++) {
      for (let k = 0; k < t.n; k++) {
        const g = json.grams[r * t.n + k];
        if (!Number.isInteger(g) || g < 0 || g >= t.numNeurons) {
          throw new InvalidParameterError(
            `saved NgramTable: neuron ${g} of gram ${r} is outside [0, ${t.numNeurons})`,
          );
        }
        gram[k] = g;
      }
      const key = t.keyOfList(gram);
      if (t.rowOf.has(key))
        throw new InvalidParameterError(`saved NgramTable: gram ${gram.join(",")} appears twice`);
      const row = t.addRow(key, gram);
      for (let c = 0; c < t.numClasses; c++) {
        const v = json.scores[r * t.numClasses + c];
        if (!(v >= 0 && v < Infinity)) {
          throw new InvalidParameterError(
            `saved NgramTable: score ${v} of gram ${r} is not a finite count >= 0`,
          );
        }
        t.table[row * t.numClasses + c] = v;
      }
    }
    return t;
  }

  /** Sorts the example's neurons within each step and marks the spiking steps; returns their number. */
  private prepare(ev: SpikeEvents): number {
    checkEvents(ev, this.numNeurons);
    const m = ev.count;
    if (this.order.length < m) {
      this.order = new Int32Array(Math.max(m, 2 * this.order.length));
      this.groupStart = new Int32Array(this.order.length + 1);
    }
    const order = this.order;
    const starts = this.groupStart;
    let groups = 0;
    for (let k = 0; k < m; k++) {
      order[k] = ev.neurons[k];
      if (k === 0 || ev.steps[k] !== ev.steps[k - 1]) starts[groups++] = k;
    }
    starts[groups] = m;
    for (let g = 0; g < groups; g++) {
      const a = starts[g];
      const b = starts[g + 1];
      if (b - a > 1) order.subarray(a, b).sort();
      for (let k = a + 1; k < b; k++) {
        if (order[k] === order[k - 1]) {
          throw new InvalidParameterError(
            `neuron ${order[k]} spikes twice in step ${ev.steps[a]}; list it once`,
          );
        }
      }
    }
    return groups;
  }

  /**
   * Calls `visit` with the key of every n-gram of the prepared example (odometer over the groups).
   * Limitation: the number of n-grams is the product of the group sizes per window, as in BindsNET, so a
   * layer where k neurons fire in every step costs k^n per window; no cap is applied because capping would
   * silently change the scores.
   */
  private forEachGram(groups: number, visit: (key: Key) => void): void {
    const n = this.n;
    const pick = this.pick;
    const starts = this.groupStart;
    for (let t = 0; t + n <= groups; t++) {
      for (let k = 0; k < n; k++) pick[k] = starts[t + k];
      while (true) {
        visit(this.keyOfPick());
        let k = n - 1;
        for (; k >= 0; k--) {
          pick[k]++;
          if (pick[k] < starts[t + k + 1]) break;
          pick[k] = starts[t + k];
        }
        if (k < 0) break;
      }
    }
  }

  private keyOfPick(): Key {
    const order = this.order;
    const pick = this.pick;
    if (this.numericKeys) {
      let key = 0;
      for (let k = 0; k < this.n; k++) key = key * this.numNeurons + order[pick[k]];
      return key;
    }
    let s = String(order[pick[0]]);
    for (let k = 1; k < this.n; k++) s += "," + order[pick[k]];
    return s;
  }

  private keyOfList(gram: readonly number[]): Key {
    if (this.numericKeys) {
      let key = 0;
      for (let k = 0; k < this.n; k++) key = key * this.numNeurons + gram[k];
      return key;
    }
    return gram.join(",");
  }

  /** Appends a zero row for `key`; `gram` defaults to the currently picked neurons. */
  private addRow(key: Key, gram?: readonly number[]): number {
    const row = this.rows++;
    if (this.rows * this.n > this.grams.length) {
      const g = new Int32Array(2 * this.grams.length);
      g.set(this.grams);
      this.grams = g;
      const s = new Float64Array(2 * this.table.length);
      s.set(this.table);
      this.table = s;
    }
    for (let k = 0; k < this.n; k++) this.grams[row * this.n + k] = gram ? gram[k] : this.order[this.pick[k]];
    this.rowOf.set(key, row);
    return row;
  }
}
