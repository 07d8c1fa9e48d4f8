"""Peer figures for bench/coba.ts: the COBA network (Vogels & Abbott 2005; Brette et al. 2007, benchmark 1)
in Brian2, with the same parameters, connectivity rule and initial state as spikeflow's bench/coba.ts.

4000 conductance-based LIF neurons (3200 excitatory, 800 inhibitory), every ordered pair connected with
p = 0.02 (self-pairs included), dt = 0.1 ms, 1 s. C = 200 pF, g_L = 10 nS (tau_m 20 ms), E_L = -60 mV,
V_t = -50 mV, V_r = -60 mV, refractory 5 ms with v clamped, E_e = 0 mV, E_i = -80 mV, tau_e = 5 ms,
tau_i = 10 ms, w_e = 6 nS, w_i = 67 nS. Initial v uniform in [V_r, V_t]; initial g_e = max(0, 1.5 N(0,1) + 4)
x 10 nS and g_i = max(0, 12 N(0,1) + 20) x 10 nS. Brian2 integrates with its exponential Euler.
The wall time of run(1 s) is measured (code generation and compilation are done by a warm-up run first).

Usage: /usr/bin/python3 bench/peers/coba_brian2.py numpy|cython|cpp_standalone [repeats]
Prints one JSON line: {"target", "brian2", "runs_s", "spikes", "rate_exc_Hz", "rate_inh_Hz", "cv_isi"}.
"""
import json
import sys
import time

import brian2 as b2
import numpy as np

n, ne = 4000, 3200


def build(seed):
    b2.start_scope()
    b2.seed(seed)
    b2.defaultclock.dt = 0.1 * b2.ms
    eqs = """
    dv/dt = (gl*(El - v) + ge*(Ee - v) + gi*(Ei - v)) / C : volt (unless refractory)
    dge/dt = -ge / taue : siemens
    dgi/dt = -gi / taui : siemens
    """
    ns = {
        "gl": 10 * b2.nS,
        "El": -60 * b2.mV,
        "Ee": 0 * b2.mV,
        "Ei": -80 * b2.mV,
        "C": 200 * b2.pF,
        "taue": 5 * b2.ms,
        "taui": 10 * b2.ms,
    }
    g = b2.NeuronGroup(
        n, eqs, threshold="v >= -50*mV", reset="v = -60*mV", refractory=5 * b2.ms,
        method="exponential_euler", namespace=ns,
    )
    g.v = "-60*mV + rand() * 10*mV"
    g.ge = "clip(1.5*randn() + 4, 0, inf) * 10*nS"
    g.gi = "clip(12*randn() + 20, 0, inf) * 10*nS"
    exc = b2.Synapses(g[:ne], g, on_pre="ge_post += 6*nS")
    exc.connect(p=0.02)
    inh = b2.Synapses(g[ne:], g, on_pre="gi_post += 67*nS")
    inh.connect(p=0.02)
    m = b2.SpikeMonitor(g)
    return b2.Network(g, exc, inh, m), m


def stats(mon):
    i = np.asarray(mon.i)
    t = np.asarray(mon.t / b2.ms)
    cvs = []
    for k in range(n):
        tk = np.sort(t[i == k])
        if len(tk) >= 3:
            d = np.diff(tk)
            cvs.append(d.std() / d.mean())
    return (
        float((i < ne).sum() / ne),
        float((i >= ne).sum() / (n - ne)),
        float(np.mean(cvs)) if cvs else None,
    )


def main():
    target = sys.argv[1]
    repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    runs, spikes, re, ri, cv = [], [], [], [], []
    if target == "cpp_standalone":
        import shutil

        for k in range(repeats):
            d = f"/tmp/coba_standalone_{k}"
            b2.set_device("cpp_standalone", directory=d, build_on_run=False)
            net, mon = build(k + 1)
            net.run(1 * b2.second)
            b2.device.build(directory=d, run=True, compile=True)
            runs.append(b2.device._last_run_time)
            spikes.append(int(mon.num_spikes))
            a, b, c = stats(mon)
            re.append(a)
            ri.append(b)
            cv.append(c)
            b2.device.reinit()
            b2.device.activate()
            shutil.rmtree(d, ignore_errors=True)
    else:
        b2.prefs.codegen.target = target
        net, mon = build(99)
        net.run(5 * b2.ms)  # warm-up: code generation and compilation
        for k in range(repeats):
            net, mon = build(k + 1)
            t0 = time.perf_counter()
            net.run(1 * b2.second)
            runs.append(time.perf_counter() - t0)
            spikes.append(int(mon.num_spikes))
            a, b, c = stats(mon)
            re.append(a)
            ri.append(b)
            cv.append(c)
    print(json.dumps({
        "target": target, "brian2": b2.__version__, "runs_s": runs, "spikes": spikes,
        "rate_exc_Hz": re, "rate_inh_Hz": ri, "cv_isi": cv,
    }))


if __name__ == "__main__":
    main()
