# Cross-check of spikeflow's rate-RNN training (diagnostic, not part of the product or of CI).
#
# Trains K Go-NoGo rate RNNs with PyTorch autograd instead of spikeflow's hand-derived BPTT, from the
# equations of Kim, Li & Sejnowski 2019 as ../../docs/rnn.md states them, in float32 like the reference's
# TensorFlow 1 code, and writes each network at its stopping point as JSON for convert-external.ts, which
# runs spikeflow's LIF transfer and scale search on it. If the two trainers gave networks that convert
# differently, the hand-written training would be suspect; see README.md in this folder for the result.
#
#   x_t = (1 - a) x_{t-1} + a (W_eff r_{t-1} + W_in u_{t-1}) + xi_t,  a = 1 / tau (tau in 5 ms steps)
#   r = sigmoid(x),  o_t = W_out r_t + b_out,  W_eff = relu(W) * sign[pre]
#   tau = sigmoid(theta) (10 - 4) + 4 steps (20-50 ms),  xi ~ N(0, 0.1^2),  x_0 ~ N(0, 0.01^2)
#   loss = sqrt(sum_t (o_t - z_t)^2) over o_1..o_{T-1} against z_0..z_{T-2}; Adam, lr 0.01
#   every 100 updates (tr = 1, 101, ...): 100 fresh trials; stop when loss < 7, accuracy > 95 %, tr > 1500
#
# The K networks train side by side as one batch of independent networks (batched matrix products); each
# has its own parameters, so the summed loss gives each network exactly its own gradient, and Adam acts
# element by element, so the batch changes nothing but the speed.
#
# Usage (Debian: apt-get install python3-torch): python3 train-torch.py K BASE_SEED [THREADS] [OUT_DIR]
import json
import math
import os
import sys

import numpy as np
import torch

K = int(sys.argv[1])
BASE = int(sys.argv[2])
torch.set_num_threads(int(sys.argv[3]) if len(sys.argv) > 3 else 1)
OUT = sys.argv[4] if len(sys.argv) > 4 else "nets"
os.makedirs(OUT, exist_ok=True)

N, P_INH, P_REC, GAIN = 200, 0.2, 0.2, 1.5
T, STIM_ON, STIM_STEPS = 200, 50, 25  # steps of 5 ms: Go pulse on steps 50-74, target 1 from step 75
TAU_MIN, TAU_MAX = 4.0, 10.0  # steps

# initialisation, one numpy stream per network
sign = np.zeros((K, N), np.float32)
w0 = np.zeros((K, N, N), np.float32)
w_in0 = np.zeros((K, N, 1), np.float32)
w_out0 = np.zeros((K, 1, N), np.float32)
theta0 = np.zeros((K, N, 1), np.float32)
for k in range(K):
    rng = np.random.RandomState(1000 + BASE + k)
    inhibitory = rng.rand(N) < P_INH
    sign[k] = np.where(inhibitory, -1, 1)
    support = np.where(rng.rand(N, N) < P_REC)
    w = np.zeros((N, N), np.float32)
    w[support] = rng.normal(0, 1, len(support[0]))
    w0[k] = np.abs(w / math.sqrt(N * P_REC) * GAIN)
    w_in0[k] = rng.randn(N, 1)
    w_out0[k] = rng.randn(1, N) / 100
    theta0[k] = rng.randn(N, 1)

w = torch.tensor(w0, requires_grad=True)
w_out = torch.tensor(w_out0, requires_grad=True)
b_out = torch.zeros(K, 1, 1, requires_grad=True)
theta = torch.tensor(theta0, requires_grad=True)
pre_sign = torch.tensor(sign)[:, None, :]
w_in = torch.tensor(w_in0)
optimiser = torch.optim.Adam([w, w_out, b_out, theta], lr=0.01)
noise = torch.Generator().manual_seed(BASE)


def go_nogo(go):
    """Inputs and targets [K, T] for a boolean vector of Go trials."""
    u = torch.zeros(K, T)
    u[go, STIM_ON : STIM_ON + STIM_STEPS] = 1
    z = torch.zeros(K, T)
    z[go, STIM_ON + STIM_STEPS :] = 1
    return u, z


def forward(u):
    """Outputs o_1 .. o_{T-1}, [K, T-1]."""
    w_eff = torch.relu(w) * pre_sign
    a = 1 / (torch.sigmoid(theta) * (TAU_MAX - TAU_MIN) + TAU_MIN)
    x = torch.randn(K, N, 1, generator=noise) / 100
    r = torch.sigmoid(x)
    outputs = []
    for t in range(1, T):
        drive = torch.bmm(w_eff, r) + w_in * u[:, t - 1].reshape(K, 1, 1)
        x = (1 - a) * x + a * drive + torch.randn(K, N, 1, generator=noise) / 10
        r = torch.sigmoid(x)
        outputs.append((torch.bmm(w_out, r) + b_out).reshape(K))
    return torch.stack(outputs, 1)


def loss_of(o, z):
    return torch.sqrt(((o - z[:, : T - 1]) ** 2).sum(1))


stopped = [None] * K
for tr in range(6000):
    u, z = go_nogo(torch.rand(K, generator=noise) <= 0.5)
    loss = loss_of(forward(u), z)
    # the reference saves the weights its last training step read (before that step's update)
    snapshot = [p.detach().clone() for p in (torch.relu(w), w_out, b_out, theta)]
    optimiser.zero_grad()
    loss.sum().backward()
    optimiser.step()
    if (tr - 1) % 100 != 0:
        continue
    with torch.no_grad():
        accuracy = torch.zeros(K)
        mean_loss = torch.zeros(K)
        for _ in range(100):
            go = torch.rand(K, generator=noise) <= 0.5
            u, z = go_nogo(go)
            o = forward(u)
            mean_loss += loss_of(o, z) / 100
            after = o[:, STIM_ON + STIM_STEPS :]
            correct = torch.where(go, after.max(1).values > 0.7, after.abs().max(1).values < 0.3)
            accuracy += correct.float() / 100
    print(tr, " ".join(f"{a:.2f}/{l:.2f}" for a, l in zip(accuracy.tolist(), mean_loss.tolist())), flush=True)
    for k in range(K):
        if stopped[k] is None and mean_loss[k] < 7 and accuracy[k] > 0.95 and tr > 1500:
            stopped[k] = tr
            w_k, w_out_k, b_out_k, theta_k = (p[k] for p in snapshot)
            record = {
                "seed": BASE + k,
                "trials": tr + 1,
                "sign": sign[k].tolist(),
                "w": w_k.tolist(),
                "wIn": w_in0[k, :, 0].tolist(),
                "wOut": w_out_k[0].tolist(),
                "bOut": float(b_out_k.reshape(())),
                "theta": theta_k[:, 0].tolist(),
                "tau_ms": [5 * TAU_MIN, 5 * TAU_MAX],
                "rateAccuracy": float(accuracy[k]),
                "loss": float(mean_loss[k]),
            }
            path = os.path.join(OUT, f"net{BASE + k}.json")
            with open(path + ".tmp", "w") as f:
                json.dump(record, f)
            os.replace(path + ".tmp", path)
    if all(s is not None for s in stopped):
        break
print("stopped at", stopped)
