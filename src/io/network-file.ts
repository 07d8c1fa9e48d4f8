/**
 * Saving a hand-built network's weights and learned state to a model directory, and restoring them into a
 * network built by the same code (Node only; the format and the checks are in src/network/parameters.ts and
 * docs/network-files.md). The directory is an ordinary spikeflow model (model.json + weights.safetensors, kind
 * "network"), written file by file atomically, as saveModel does.
 */
import { InvalidParameterError, SpikeflowError } from "../core/errors.ts";
import { describeValue } from "../core/options.ts";
import { Network } from "../network/network.ts";
import { NETWORK_KIND, networkParameters, restoreNetworkParameters } from "../network/parameters.ts";
import type { ModelManifest } from "./model-codec.ts";
import { loadModel, requireDirName, saveModel } from "./model-file.ts";

/**
 * Throws unless `dir` names a directory and `net` is a Network that is not running; `caller` names the function.
 * Checked when the function is called, not after a file has been read: called from inside a step it refuses.
 */
function requireArguments(caller: string, dir: unknown, net: unknown): asserts net is Network {
  requireDirName(dir, caller);
  if (!(net instanceof Network)) {
    throw new InvalidParameterError(
      `${caller}(dir, net) takes the Network itself as its second argument (the one built with ` +
        `new Network({ dt_ms }), e.g. model.net), got ${describeValue(net)}`,
    );
  }
  net.requireIdle(caller);
}

/** Writes `net`'s weights and learned state into directory `dir` (created if missing). */
export async function saveNetwork(dir: string, net: Network): Promise<ModelManifest> {
  requireArguments("saveNetwork", dir, net);
  return saveModel(dir, networkParameters(net));
}

/**
 * Reads the network saved in `dir` and puts its weights and learned state into `net` (checked first: a file of
 * another network changes nothing). `net` ends reset, as after `net.reset()`.
 */
export async function restoreNetwork(dir: string, net: Network): Promise<void> {
  requireArguments("restoreNetwork", dir, net);
  const saved = await loadModel(dir, { expectKind: NETWORK_KIND });
  try {
    restoreNetworkParameters(net, saved);
  } catch (e) {
    // the checks speak of "the saved network"; say which directory holds it (its model.json and weights)
    if (e instanceof SpikeflowError) e.message = `${dir}: ${e.message}`;
    throw e;
  }
}
