"""Peer figures for bench/song.ts: the single-neuron STDP model of Song, Miller & Abbott (2000) in Brian2,
with the parameters of examples/from-papers/song-2000 (its README says where each comes from).

One conductance-based integrate-and-fire neuron (tau_m 10 ms, E_L -74 mV, V_t -54 mV, V_r -60 mV, E_e 0 mV,
tau_e 5 ms, conductance in units of g_L, forward Euler, no refractory period, v starts at E_L) driven by
1000 Poisson inputs at 15 Hz through plastic synapses: additive pair STDP with all-to-all traces,
tau+ = tau- = 20 ms, A+ = 0.01 gmax, A- = 1.05 A+, weights clipped to [0, gmax = 0.01], initial weights
uniform in [0, gmax]. dt = 0.1 ms. Brian2 draws its own input spikes and initial weights (PoissonGroup,
rand()), so only the statistics can be compared with spikeflow's, not single spikes.

The wall time of run(seconds) is measured; numpy and cython first run the same network for 10 ms so that code
generation and compilation are not counted (the timed run then starts at t = 10 ms), and cpp_standalone
reports the run time of its compiled binary.

Usage: /usr/bin/python3 bench/peers/song_brian2.py numpy|cython|cpp_standalone [seconds] [repeats]
Prints one JSON line: {"target", "brian2", "seconds", "runs_s", "rate_Hz_first_s", "rate_Hz_last_10s",
"near_zero", "near_max", "histogram"} (one entry per repeat in the lists).
"""
import json
import shutil
import sys
import time

import brian2 as b2
import numpy as np

P = {
    "taum": 10 * b2.ms,
    "El": -74 * b2.mV,
    "vt": -54 * b2.mV,
    "vr": -60 * b2.mV,
    "Ee": 0 * b2.mV,
    "taue": 5 * b2.ms,
    "taupre": 20 * b2.ms,
    "taupost": 20 * b2.ms,
    "gmax": 0.01,
}
P["Apre"] = 0.01 * P["gmax"]
P["Apost"] = -1.05 * P["Apre"]
N_INPUTS = 1000
RATE = 15 * b2.Hz

NEURON = """
dv/dt = (ge*(Ee - v) + El - v)/taum : volt
dge/dt = -ge/taue : 1
"""
SYNAPSE_MODEL = """
w : 1
dapre/dt = -apre/taupre : 1 (event-driven)
dapost/dt = -apost/taupost : 1 (event-driven)
"""
ON_PRE = """
ge += w
apre += Apre
w = clip(w + apost, 0, gmax)
"""
ON_POST = """
apost += Apost
w = clip(w + apre, 0, gmax)
"""


def build(seed):
    """The network, its synapses and the neuron's spike monitor, with Brian2 seeded by `seed`."""
    b2.start_scope()
    b2.seed(seed)
    b2.defaultclock.dt = 0.1 * b2.ms
    inputs = b2.PoissonGroup(N_INPUTS, rates=RATE)
    neuron = b2.NeuronGroup(1, NEURON, threshold="v > vt", reset="v = vr", method="euler", namespace=P)
    neuron.v = P["El"]
    syn = b2.Synapses(inputs, neuron, SYNAPSE_MODEL, on_pre=ON_PRE, on_post=ON_POST, namespace=P)
    syn.connect()
    syn.w = "rand() * gmax"
    spikes = b2.SpikeMonitor(neuron)
    return b2.Network(inputs, neuron, syn, spikes), syn, spikes


def outcome(syn, spikes, seconds, skip_ms=0):
    """Output rate per second of the timed run (after `skip_ms` of warm-up) and the weight distribution
    (10 bins of 0.1 gmax)."""
    w = np.asarray(syn.w) / P["gmax"]
    t = np.asarray(spikes.t / b2.second) - skip_ms / 1000
    t = t[t >= 0]
    per_second = np.histogram(t, bins=np.arange(seconds + 1))[0]
    hist = np.histogram(np.minimum(w, 0.999999), bins=10, range=(0, 1))[0]
    return {
        "rate_Hz": [int(x) for x in per_second],
        "near_zero": float((w < 0.1).mean()),
        "near_max": float((w > 0.9).mean()),
        "histogram": [int(x) for x in hist],
    }


def main():
    target = sys.argv[1]
    seconds = int(sys.argv[2]) if len(sys.argv) > 2 else 10
    repeats = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    runs, results = [], []
    for k in range(repeats):
        if target == "cpp_standalone":
            directory = f"/tmp/song_standalone_{k}"
            b2.set_device("cpp_standalone", directory=directory, build_on_run=False)
            net, syn, spikes = build(k + 1)
            net.run(seconds * b2.second)
            b2.device.build(directory=directory, run=True, compile=True)
            runs.append(b2.device._last_run_time)
            results.append(outcome(syn, spikes, seconds))
            b2.device.reinit()
            b2.device.activate()
            shutil.rmtree(directory, ignore_errors=True)
        else:
            b2.prefs.codegen.target = target
            net, syn, spikes = build(k + 1)
            # warm-up on the same objects: code generation and compilation (a fresh network's objects have
            # new names, so its cython code would be compiled again inside the timed run)
            net.run(10 * b2.ms)
            t0 = time.perf_counter()
            net.run(seconds * b2.second)
            runs.append(time.perf_counter() - t0)
            results.append(outcome(syn, spikes, seconds, skip_ms=10))
    print(json.dumps({
        "target": target,
        "brian2": b2.__version__,
        "seconds": seconds,
        "runs_s": runs,
        "rate_Hz_first_s": [r["rate_Hz"][0] for r in results],
        "rate_Hz_last_10s": [float(np.mean(r["rate_Hz"][-10:])) for r in results],
        "near_zero": [r["near_zero"] for r in results],
        "near_max": [r["near_max"] for r in results],
        "histogram": [r["histogram"] for r in results],
    }))


if __name__ == "__main__":
    main()
