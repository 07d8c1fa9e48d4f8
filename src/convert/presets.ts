/**
 * The architectures `spikeflow convert train --arch fc|cnn` trains (docs/convert.md), kept here so that a
 * benchmark or a script builds the same networks:
 *
 *   fc   the fully connected 784-1200-1200-10 network of Diehl, Neil, Binas, Cook, Liu & Pfeiffer (IJCNN 2015):
 *        flatten, dense 1200, relu, dense 1200, relu, dense 10
 *   cnn  their ConvNet 12c5-2s-64c5-2s-10o: conv2d 12 maps 5x5, relu, avgpool2d 2, conv2d 64 maps 5x5, relu,
 *        avgpool2d 2, flatten, dense 10 (28 -> 24 -> 12 -> 8 -> 4, so the dense layer reads 64 x 4 x 4 = 1024)
 *
 * Both take MNIST images as [1, 28, 28] (pixels / 255). Diehl et al. trained without biases; here every dense
 * and conv2d layer has one (PyTorch's default, so that a network trained in PyTorch with the default layers
 * loads under the same architecture). The conversion handles biases as a constant input current (Rueckauer et
 * al. 2017), so they cost nothing in the spiking network but a Bias projection per layer.
 */
import type { AnnArchitecture } from "./ann.ts";

export type AnnPresetName = "fc" | "cnn";

export const ANN_PRESETS: Readonly<Record<AnnPresetName, AnnArchitecture>> = Object.freeze({
  fc: Object.freeze({
    inputShape: Object.freeze([1, 28, 28]),
    layers: Object.freeze(
      [
        { type: "flatten" },
        { type: "dense", out: 1200 },
        { type: "relu" },
        { type: "dense", out: 1200 },
        { type: "relu" },
        { type: "dense", out: 10 },
      ].map((layer) => Object.freeze(layer)),
    ),
  }) as AnnArchitecture,
  cnn: Object.freeze({
    inputShape: Object.freeze([1, 28, 28]),
    layers: Object.freeze(
      [
        { type: "conv2d", outChannels: 12, kernel: 5 },
        { type: "relu" },
        { type: "avgpool2d", kernel: 2 },
        { type: "conv2d", outChannels: 64, kernel: 5 },
        { type: "relu" },
        { type: "avgpool2d", kernel: 2 },
        { type: "flatten" },
        { type: "dense", out: 10 },
      ].map((layer) => Object.freeze(layer)),
    ),
  }) as AnnArchitecture,
});

/** The names of ANN_PRESETS, in the order the CLI lists them. */
export const ANN_PRESET_NAMES: readonly AnnPresetName[] = Object.freeze(["fc", "cnn"]);
