/**
 * Memoryless threshold unit: the NIR `Threshold` primitive (the NIR documentation);
 * docs/models/threshold.md.
 *
 *   z_i(t) = 1 if x_i(t) > theta_i else 0           (strict >, as NIR defines it)
 *
 * x is what arrived at the port "i_nA" for this step (the sum of every projection's delivery and the external
 * input); it is consumed and zeroed by the step, so nothing carries over between steps.
 *
 * Constructor: `new Threshold(size, dt_ms, params)`, the shape of every other model. The unit has no
 * dynamics, so dt_ms only has to be valid and is kept, so that `Network.addPopulation` can check it against
 * the network's step like any other population's. The earlier form `new Threshold(size, params)` is refused
 * with an error that says to insert dt_ms.
 *
 * Why strict > when every other spikeflow neuron uses >= (docs/conventions.md): a threshold unit sees its
 * input afresh each step, so "no input" is the common value x = 0; with theta = 0 the >= test would fire on
 * every silent step. For the integrating neurons, v landing exactly on the threshold is a measure-zero event
 * and >= is the engine-wide choice.
 */
import { InvalidParameterError, ShapeMismatchError, requireFloat32 } from "../core/errors.ts";
import { withDefaults } from "../core/options.ts";
import type { StepContext } from "../network/types.ts";
import { PopulationBase, requireNeuronDt, requireNoExtraArguments } from "./base.ts";

export interface ThresholdParams {
  /** Threshold in the port's unit, one value for all neurons or one per neuron. Default 0 nA. */
  readonly threshold_nA: number | ArrayLike<number>;
}

export const THRESHOLD_DEFAULTS: Readonly<ThresholdParams> = Object.freeze({ threshold_nA: 0 });

export class Threshold extends PopulationBase {
  readonly model = "threshold";
  readonly params: Readonly<ThresholdParams>;
  /** The network step this population was built for (the unit itself is memoryless). */
  readonly dt_ms: number;
  /** Per-neuron thresholds (float32, as the comparison uses them). */
  readonly threshold_nA: Float32Array;
  /** The input of the last step, kept for monitors. */
  readonly input_nA: Float32Array;

  constructor(size: number, dt_ms: number, params: Partial<ThresholdParams> = {}, ...extra: never[]) {
    requireNoExtraArguments("Threshold", "size, dt_ms, params", extra);
    super(size, ["i_nA"]);
    if (typeof dt_ms === "object" && dt_ms !== null) {
      throw new InvalidParameterError(
        "Threshold takes (size, dt_ms, params) like every neuron model; it was given params as its second " +
          "argument: write new Threshold(size, dt_ms, params) with the network's dt_ms",
        { dt_ms },
      );
    }
    this.dt_ms = requireNeuronDt(dt_ms);
    this.params = Object.freeze(withDefaults("Threshold params", THRESHOLD_DEFAULTS, params));
    this.threshold_nA = new Float32Array(size);
    const t = this.params.threshold_nA;
    if (typeof t === "number") {
      this.threshold_nA.fill(requireFloat32("threshold_nA", t));
    } else if (t !== null && typeof t === "object" && typeof t.length === "number") {
      if (t.length !== size) {
        throw new ShapeMismatchError(
          `threshold_nA has ${t.length} entries but the population has ${size} neurons; give one per neuron or a number`,
          { length: t.length, size },
        );
      }
      for (let i = 0; i < size; i++) this.threshold_nA[i] = requireFloat32(`threshold_nA[${i}]`, t[i]);
    } else {
      throw new InvalidParameterError(`threshold_nA must be a number or an array, got ${String(t)}`);
    }
    this.input_nA = this.addState("i_nA", 0);
  }

  step(_ctx: StepContext): void {
    const x = this.portAt(0);
    const th = this.threshold_nA;
    const last = this.input_nA;
    this.beginSpikes();
    for (let i = 0; i < this.size; i++) {
      const xi = x[i];
      last[i] = xi;
      x[i] = 0;
      if (xi > th[i]) this.pushSpike(i);
    }
  }

  override reset(): void {
    super.reset();
    this.input_nA.fill(0);
  }
}
