"""Peer figures for bench/coba-survival.ts: how many COBA networks keep their activity, in Brian2.

For seeds 1..S, builds the network of coba_brian2.py (same parameters, connectivity rule and initial state),
writes its connections and initial state to OUTDIR/net<seed>.npz (exc_i, exc_j, inh_i, inh_j: pre index
within its group and post index 0-3999; v in mV, ge and gi in nS), runs it for DURATION_MS with the numpy
target and records the spikes of the whole run, of the first 20 ms and of the last 50 ms.

Usage: /usr/bin/python3 bench/peers/coba_brian2_survival.py SEEDS DURATION_MS OUTDIR
Prints one JSON line: {"brian2", "seeds": [{"seed", "spikes", "spikes_first_20ms", "spikes_last_50ms"}, ...]}.
"""
import json
import os
import sys
import warnings

import brian2 as b2
import numpy as np

from coba_brian2 import build

warnings.filterwarnings("ignore")


def main():
    seeds, duration_ms, outdir = int(sys.argv[1]), float(sys.argv[2]), sys.argv[3]
    b2.prefs.codegen.target = "numpy"
    rows = []
    for seed in range(1, seeds + 1):
        net, mon = build(seed)
        group = next(o for o in net.objects if isinstance(o, b2.NeuronGroup))
        exc, inh = sorted(
            (o for o in net.objects if isinstance(o, b2.Synapses)), key=lambda s: -len(s.i)
        )  # 3200 excitatory sources make the larger one
        np.savez(
            os.path.join(outdir, f"net{seed}.npz"),
            exc_i=np.asarray(exc.i[:], dtype=np.int32),
            exc_j=np.asarray(exc.j[:], dtype=np.int32),
            inh_i=np.asarray(inh.i[:], dtype=np.int32),
            inh_j=np.asarray(inh.j[:], dtype=np.int32),
            v=np.asarray(group.v[:] / b2.mV, dtype=np.float64),
            ge=np.asarray(group.ge[:] / b2.nS, dtype=np.float64),
            gi=np.asarray(group.gi[:] / b2.nS, dtype=np.float64),
        )
        net.run(duration_ms * b2.ms)
        t = np.asarray(mon.t / b2.ms)
        rows.append({
            "seed": seed,
            "spikes": int(len(t)),
            "spikes_first_20ms": int((t < 20).sum()),
            "spikes_last_50ms": int((t >= duration_ms - 50).sum()),
        })
    print(json.dumps({"brian2": b2.__version__, "seeds": rows}))


if __name__ == "__main__":
    main()
