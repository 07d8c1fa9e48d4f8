/** Model builders with the papers' parameters, and reconstruction from saved config and tensors. */
import { InvalidParameterError } from "../core/errors.ts";
import { DiehlCook2015, type DiehlCookConfig } from "./diehl-cook.ts";
import { Lcsnn, type LcsnnConfig } from "./lcsnn.ts";
import type { UnsupervisedModel } from "./types.ts";

export * from "./types.ts";
export * from "./lcsnn.ts";
export * from "./diehl-cook.ts";
export * from "./izhikevich-2003.ts";
export * from "./brunel-2000.ts";
export * from "./izhikevich-2006.ts";

export type ModelKind = "lcsnn" | "diehl-cook-2015";

/** Rebuilds a model from its kind, config and learned tensors (as `tensors()` names them). */
export function buildModel(
  kind: string,
  config: Record<string, unknown>,
  tensors: Record<string, Float32Array> = {},
): UnsupervisedModel {
  switch (kind) {
    case "lcsnn":
      return new Lcsnn(config as Partial<LcsnnConfig>, {
        weights: tensors["X->Y.weight"],
        theta_mV: tensors["Y.theta_mV"],
      });
    case "diehl-cook-2015":
      return new DiehlCook2015(config as Partial<DiehlCookConfig>, {
        weights: tensors["X->Ae.weight"],
        theta_mV: tensors["Ae.theta_mV"],
      });
    case "rate-rnn":
      throw new InvalidParameterError(
        `this is a rate-RNN model (kind "rate-rnn", Kim et al. 2019), not an MNIST network; ` +
          `use "spikeflow rnn eval" / "spikeflow rnn convert" on its run directory`,
      );
    default:
      throw new InvalidParameterError(
        `unknown model kind ${JSON.stringify(kind)}; use "lcsnn" or "diehl-cook-2015"`,
      );
  }
}
