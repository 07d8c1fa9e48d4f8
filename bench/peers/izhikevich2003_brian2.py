"""Peer timing for bench/izhikevich.ts: Izhikevich (2003)'s 1000-neuron network in Brian2, 1 s at dt = 1 ms.

Same network size and load as spikeflow's izhikevich2003(): 800 excitatory + 200 inhibitory neurons with the
paper's per-neuron a, b, c, d, all-to-all synapses (0.5 U[0,1) excitatory, -U[0,1) inhibitory) adding into the
input of the next step, thalamic input 5 N(0,1) / 2 N(0,1) redrawn every step, forward Euler for v and u.
Only the wall time of run(1 s) is measured (code generation and compilation are done by a warm-up run first).

Usage: /usr/bin/python3 bench/peers/izhikevich2003_brian2.py numpy|cython|cpp_standalone [repeats]
Prints one JSON line: {"target": ..., "runs_s": [...], "spikes": [...]}.
"""
import json
import sys
import time

import brian2 as b2

target = sys.argv[1]
repeats = int(sys.argv[2]) if len(sys.argv) > 2 else 5
ne, ni = 800, 200


def build():
    b2.start_scope()
    b2.defaultclock.dt = 1 * b2.ms
    eqs = """
    dv/dt = (0.04*v**2 + 5*v + 140 - u + i_th + i_syn) / ms : 1
    du/dt = a*(b*v - u) / ms : 1
    a : 1
    b : 1
    c : 1
    d : 1
    sigma : 1
    i_th : 1
    i_syn : 1
    """
    g = b2.NeuronGroup(ne + ni, eqs, threshold="v >= 30", reset="v = c; u += d", method="euler")
    r = b2.rand(ne + ni)
    exc = slice(0, ne)
    inh = slice(ne, ne + ni)
    g.a[exc] = 0.02
    g.b[exc] = 0.2
    g.c[exc] = -65 + 15 * r[:ne] ** 2
    g.d[exc] = 8 - 6 * r[:ne] ** 2
    g.a[inh] = 0.02 + 0.08 * r[ne:]
    g.b[inh] = 0.25 - 0.05 * r[ne:]
    g.c[inh] = -65
    g.d[inh] = 2
    g.sigma[exc] = 5
    g.sigma[inh] = 2
    g.v = -65
    g.u = "b*v"
    # the thalamic current of the step, drawn before the state update
    g.run_regularly("i_th = sigma*randn()", when="start")
    # the synaptic input of the next step: cleared after the update, filled by this step's spikes
    g.run_regularly("i_syn = 0", when="before_synapses")
    s = b2.Synapses(g, g, "w : 1", on_pre="i_syn_post += w")
    s.connect()
    s.w["i < 800"] = "0.5*rand()"
    s.w["i >= 800"] = "-rand()"
    m = b2.SpikeMonitor(g)
    return b2.Network(g, s, m), m


runs, spikes = [], []
if target == "cpp_standalone":
    import shutil

    for k in range(repeats):
        b2.set_device("cpp_standalone", directory=f"/tmp/izh2003_standalone_{k}", build_on_run=False)
        net, mon = build()
        net.run(1 * b2.second)
        b2.device.build(directory=f"/tmp/izh2003_standalone_{k}", run=True, compile=True)
        runs.append(b2.device._last_run_time)
        spikes.append(int(mon.num_spikes))
        b2.device.reinit()
        b2.device.activate()
        shutil.rmtree(f"/tmp/izh2003_standalone_{k}", ignore_errors=True)
else:
    b2.prefs.codegen.target = target
    net, mon = build()
    net.run(5 * b2.ms)  # warm-up: code generation and compilation
    for k in range(repeats):
        net, mon = build()
        t0 = time.perf_counter()
        net.run(1 * b2.second)
        runs.append(time.perf_counter() - t0)
        spikes.append(int(mon.num_spikes))
print(json.dumps({"target": target, "brian2": b2.__version__, "runs_s": runs, "spikes": spikes}))
