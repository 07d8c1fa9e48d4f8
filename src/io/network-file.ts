/**
 * Saving a hand-built network's weights and learned state to a model directory, and restoring them into a
 * network built by the same code (Node only; the format and the checks are in src/network/parameters.ts and
 * docs/network-files.md). The directory is an ordinary spikeflow model (model.json + weights.safetensors, kind
 * "network"), written file by file atomically, as saveModel does.
 */
import type { Network } from "../network/network.ts";
import { NETWORK_KIND, networkParameters, restoreNetworkParameters } from "../network/parameters.ts";
import type { ModelManifest } from "./model-codec.ts";
import { loadModel, saveModel } from "./model-file.ts";

/** Writes `net`'s weights and learned state into directory `dir` (created if missing). */
export async function saveNetwork(dir: string, net: Network): Promise<ModelManifest> {
  return saveModel(dir, networkParameters(net));
}

/**
 * Reads the network saved in `dir` and puts its weights and learned state into `net` (checked first: a file of
 * another network changes nothing). `net` ends reset, as after `net.reset()`.
 */
export async function restoreNetwork(dir: string, net: Network): Promise<void> {
  const saved = await loadModel(dir, { expectKind: NETWORK_KIND });
  restoreNetworkParameters(net, saved);
}
