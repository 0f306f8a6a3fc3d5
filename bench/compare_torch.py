"""Check nnc's trainers against PyTorch, update by update, for every optimizer.

What it checks, and why: `nnc`'s gradcheck proves each generated backward
pass against numerical derivatives, but nothing else checks the optimizers'
formulas, the losses' scaling, the regularization penalty or the way the
trainer walks through the data.  This script runs the same few updates on
both sides from the same starting weights and compares the losses:

  1. For each model below and each optimizer nnc has (sgd, momentum,
     nesterov, adagrad, rmsprop, adam, adamw, adadelta; the recurrent models
     sgd and adam only, each run costing a build), it writes a small .nn
     file (Fashion-MNIST, validation 10%, scale 1/255), builds it with
     BUILD/nnc and runs `TRAINER steps N --weights-out init.w`, reading the
     `step K loss L` lines.
  2. It loads init.w (docs/weights.md) into the same network in PyTorch
     (nnc's dense kernels are (inputs, outputs) as in Keras; torch's Linear
     weight is (outputs, inputs), so they are transposed; a conv2d's
     kernel (K, K, C, F) is torch's (F, C, K, K), its images channels
     first in torch and back to channels last before a flatten; the
     recurrent layers' W, U, b map to torch's RNN, LSTM and GRU as
     torch_recurrent says) and runs the same N updates on the same samples in the same
     order: update k uses training samples (k-1)*batch .. k*batch-1 in file
     order (docs/trainer.md, `steps`), the training part being the first
     90% of the training file.
     Its loss at each step is the batch's mean loss plus the L2 penalty
     (l2 * sum w^2 over the kernels), at the weights before the update, as
     nnc prints it.  The optimizer follows nnc's documented formulas
     (runtime/optim_*.c): torch's built-in where it computes the same thing,
     a hand-written update where it does not (AdaGrad and RMSProp, where
     Keras and nnc put epsilon inside the square root and torch outside).
  The recurrent models read each image as 28 steps of its 28 rows, so they
  check nnc's rnn, lstm and gru forward and backward through time (last
  step's output, and every step's feeding a second layer) against torch's
  nn.RNN, nn.LSTM and nn.GRU, whose equations are Keras's SimpleRNN, LSTM
  and GRU (reset_after=True): the gates' order and math, h0 = 0, which
  weights and biases enter where.
  3. It prints a table of the largest relative difference between the two
     loss sequences per (model, optimizer), PASS or FAIL, and exits 1 if any
     failed.

Tolerance: both sides compute in float32 on one thread, but they sum in
different orders (OpenBLAS vs torch's kernels, double vs float loss sums), so
the losses differ by float32 rounding: ~1e-7 relative per operation, a few
1e-6 after ten updates of adaptive optimizers that amplify small gradient
differences.  nnc prints 6 decimals, so its values are themselves rounded by
up to 5e-7 absolute.  A step passes when |nnc - torch| <= 1e-4 * |torch| +
1e-6: ~100x above the rounding noise, yet a formula mismatch (epsilon inside
or outside a root, a missing factor in a loss or penalty, decay applied in
the wrong order, a batch taken from the wrong samples) moves the loss by
1e-3 relative or more within a few steps.  `--controls` shows this: it also
runs torch's built-in RMSprop and Adagrad (epsilon outside the root) against
nnc's rmsprop and adagrad, and a GRU whose gates are left in torch's order
(r, z, n) instead of reordered from nnc's (z, r, h), and all three should
FAIL (at 4e-2, 9e-3 and 1e-2).  In practice the passing rows sit at 2e-7 to
4e-6 relative: the mse model's losses (~0.15) are where the 6 printed
decimals dominate.

Usage: /usr/bin/python3 bench/compare_torch.py [BUILD] [--steps N] [--keep DIR] [--controls]
BUILD is the folder holding nnc (default build).  Needs python3-torch
(Debian's, for /usr/bin/python3) and the Fashion-MNIST files.
"""
import argparse
import gzip
import os
import re
import struct
import subprocess
import sys
import tempfile
import zlib

import numpy as np
import torch
from torch import nn
import torch.nn.functional as F

STEPS = 10
BATCH = 32
VALIDATION = 0.10
RTOL, ATOL = 1e-4, 1e-6

# Each model: its layers as lines of the .nn file's network (after `input
# 28x28`), the last being the 10-way output; its loss; the optimizer rows it
# runs (default all).  Between them they cover relu, tanh, elu, gelu,
# softmax; fused softmax + cross-entropy, mse on a softmax output; per-layer
# and network-wide l2 (dense kernels only); rnn, lstm and gru, alone and
# stacked through `sequences`, and a dense layer on each step between them;
# conv2d (same padding, odd windows) and maxpool 2.
RECURRENT_OPTIMIZERS = ("sgd", "adam")
MODELS = {
    "relu_ce": dict(network_l2=0, loss="cross_entropy",
                    layers=["flatten", "dense 32 relu", "dense 10 softmax"]),
    "tanh_mse_l2": dict(network_l2=0, loss="mse",
                        layers=["flatten", "dense 32 tanh l2=0.001", "dense 10 softmax"]),
    "elu_gelu_l2": dict(network_l2=0.0005, loss="cross_entropy",
                        layers=["flatten", "dense 32 elu", "dense 16 gelu l2=0.002",
                                "dense 10 softmax"]),
    "lstm_ce": dict(network_l2=0, loss="cross_entropy", optimizers=RECURRENT_OPTIMIZERS,
                    layers=["lstm 16", "dense 10 softmax"]),
    "gru_ce": dict(network_l2=0, loss="cross_entropy", optimizers=RECURRENT_OPTIMIZERS,
                   layers=["gru 16", "dense 10 softmax"]),
    "rnn_tanh_ce": dict(network_l2=0, loss="cross_entropy", optimizers=RECURRENT_OPTIMIZERS,
                        layers=["rnn 16 tanh", "dense 10 softmax"]),
    "lstm_seq_gru": dict(network_l2=0, loss="cross_entropy", optimizers=RECURRENT_OPTIMIZERS,
                         layers=["lstm 16 sequences", "gru 8", "dense 10 softmax"]),
    "relu_ce_smooth": dict(network_l2=0, loss="cross_entropy smoothing=0.1",
                           optimizers=("sgd", "adam"),
                           layers=["flatten", "dense 32 relu", "dense 10 softmax"]),
    "seq_dense": dict(network_l2=0, loss="cross_entropy", optimizers=RECURRENT_OPTIMIZERS,
                      layers=["lstm 16 sequences", "dense 8 tanh l2=0.001", "gru 8",
                              "dense 10 softmax"]),
    # conv2d by im2col (one channel in), then by Winograd's tiles, F(4x4,
    # 3x3) and F(4x4, 5x5) (nnrt_winograd.h), through max pooling
    "conv_winograd": dict(network_l2=0, loss="cross_entropy", optimizers=("sgd", "adam"),
                          layers=["conv2d 8 3x3 relu padding=same",
                                  "conv2d 16 3x3 relu padding=same", "maxpool 2",
                                  "conv2d 16 5x5 tanh padding=same", "flatten",
                                  "dense 10 softmax"]),
}
RECURRENT = ("rnn", "lstm", "gru")


def parse_layer(line):
    """A layer line as (kind, units, activation, l2, sequences): units are a
    conv2d's filters, a maxpool's size."""
    words = line.split()
    kind, rest = words[0], words[1:]
    units = int(rest.pop(0)) if kind != "flatten" else None
    act = next((w for w in rest if w in ACTIVATIONS), None)
    l2 = next((float(w[3:]) for w in rest if w.startswith("l2=")), None)
    return kind, units, act, l2, "sequences" in rest

# Each row: label -> (nnc's optimizer, its options, written into the .nn file
# and given to torch).  Learning rates are raised above Keras's defaults
# where those would move the weights too little in ten steps for a wrong
# formula to show (adadelta's 0.001; adamw's decay 0.004 * lr is invisible,
# so it is 0.5 here).  AdaGrad at Keras's initial_accumulator 0.1 cannot tell
# where epsilon 1e-7 goes (sqrt(0.1) dwarfs it), hence a second AdaGrad row
# where it matters.
OPTIMIZERS = {
    "sgd":         ("sgd", dict(lr=0.1)),
    "momentum":    ("momentum", dict(lr=0.05, momentum=0.9)),
    "nesterov":    ("nesterov", dict(lr=0.05, momentum=0.8)),
    "adagrad":     ("adagrad", dict(lr=0.05, initial_accumulator=0.1, epsilon=1e-7)),
    "adagrad_eps": ("adagrad", dict(lr=0.01, initial_accumulator=0.001, epsilon=1e-4)),
    "rmsprop":     ("rmsprop", dict(lr=0.001, rho=0.9, epsilon=1e-7)),
    "adam":        ("adam", dict(lr=0.002, beta1=0.9, beta2=0.999, epsilon=1e-7)),
    "adamw":       ("adamw", dict(lr=0.002, weight_decay=0.5, beta1=0.9, beta2=0.999,
                                  epsilon=1e-7)),
    "adadelta":    ("adadelta", dict(lr=1.0, rho=0.95, epsilon=1e-7)),
}

# Deliberate mismatches on the torch side, for --controls: (model, row,
# what, how torch_steps is changed).  Each should FAIL, showing the
# tolerance catches a wrong formula or mapping: torch's built-in RMSprop and
# Adagrad put epsilon outside the root; a GRU given nnc's z, r, h columns as
# its r, z, n rows swaps the update and reset gates.
CONTROLS = [("relu_ce", "rmsprop", "torch's RMSprop", dict(optimizer="torch_rmsprop")),
            ("relu_ce", "adagrad_eps", "torch's Adagrad", dict(optimizer="torch_adagrad")),
            ("gru_ce", "sgd", "gates unreordered", dict(gru_order=(0, 1, 2)))]


# ---------------------------------------------------------------- data

def data_dir():
    """$NNC_DATA/fashion-mnist if it has the files, else /usr/share/datasets's."""
    for root in (os.environ.get("NNC_DATA"), "/usr/share/datasets"):
        d = os.path.join(root, "fashion-mnist") if root else None
        if d and os.path.exists(os.path.join(d, "train-images-idx3-ubyte.gz")):
            return d
    raise SystemExit("compare_torch.py: fashion-mnist not found in $NNC_DATA or /usr/share/datasets")


def load_training_part(n_needed):
    """The first n_needed samples of the training part (the first 90% of the
    training file, as nnc's validation split keeps them), pixels / 255, as
    (n, 28, 28): 28 steps of 28 features for a recurrent layer."""
    d = data_dir()
    with gzip.open(os.path.join(d, "train-images-idx3-ubyte.gz")) as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28, 28)
    with gzip.open(os.path.join(d, "train-labels-idx1-ubyte.gz")) as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8)
    assert len(x) == len(y)
    n_train = len(x) - int(np.floor(len(x) * VALIDATION + 0.5))  # as nnrt_dataset_split
    assert n_needed <= n_train, (n_needed, n_train)
    # float32 division, as nnc multiplies each byte by the float 1/255
    xs = x[:n_needed].astype(np.float32) * np.float32(1.0 / 255.0)
    return torch.from_numpy(xs), torch.from_numpy(y[:n_needed].astype(np.int64))


# ---------------------------------------------------------------- nnc side

def write_nn(path, name, model, optimizer, opts):
    """The .nn file for one model trained with one optimizer."""
    network_opts = " l2=%g" % model["network_l2"] if model["network_l2"] else ""
    layers = "".join("    %s\n" % line for line in model["layers"])
    opt_line = " ".join("%s=%r" % (k, v) for k, v in opts.items())
    text = f"""model {name}
data {{
    train {{
        images "fashion-mnist/train-images-idx3-ubyte.gz"
        labels "fashion-mnist/train-labels-idx1-ubyte.gz"
    }}
    test {{
        images "fashion-mnist/t10k-images-idx3-ubyte.gz"
        labels "fashion-mnist/t10k-labels-idx1-ubyte.gz"
    }}
    validation 10%
    scale 1/255
}}
network{network_opts} {{
    input 28x28
{layers}}}
train {{
    loss {model["loss"]}
    optimizer {optimizer} {opt_line}
    batch {BATCH}
    seed 1
}}
"""
    with open(path, "w") as f:
        f.write(text)


def run(cmd, env=None):
    """Run cmd; on failure stop with its output."""
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode != 0:
        raise SystemExit("compare_torch.py: %s failed (%d):\n%s%s"
                         % (" ".join(cmd), p.returncode, p.stdout, p.stderr))
    return p.stdout


def nnc_steps(nnc, workdir, name, model, optimizer, opts, steps):
    """Build the trainer and run `steps`: (per-step losses, init weights path)."""
    src = os.path.join(workdir, name + ".nn")
    exe = os.path.join(workdir, name)
    weights = os.path.join(workdir, name + ".init.w")
    write_nn(src, name, model, optimizer, opts)
    run([nnc, "build", src, "-o", exe])
    env = dict(os.environ, OPENBLAS_NUM_THREADS="1", OMP_NUM_THREADS="1")
    out = run([exe, "steps", str(steps), "--weights-out", weights], env=env)
    losses = [float(m.group(2)) for m in re.finditer(r"^step (\d+) loss (\S+)$", out, re.M)]
    assert len(losses) == steps, out
    return losses, weights


def read_weights(path):
    """An nnc weights file (docs/weights.md) as {name: float32 array}, in
    the file's order (the network's)."""
    data = open(path, "rb").read()
    assert data[:4] == b"NNCW", path
    version, count = struct.unpack_from("<II", data, 4)
    assert version in (1, 2, 3), version   # 3: the same layout, stable layer names
    if version >= 2:   # a CRC-32 of the rest closes the file
        (crc,) = struct.unpack_from("<I", data, len(data) - 4)
        assert crc == zlib.crc32(data[:-4]), path
        data = data[:-4]
    pos, tensors = 12, {}
    for _ in range(count):
        (name_len,) = struct.unpack_from("<I", data, pos); pos += 4
        name = data[pos:pos + name_len].decode(); pos += name_len
        (ndims,) = struct.unpack_from("<I", data, pos); pos += 4
        dims = struct.unpack_from("<%dI" % ndims, data, pos); pos += 4 * ndims
        n = int(np.prod(dims))
        tensors[name] = np.frombuffer(data, "<f4", n, pos).reshape(dims).copy(); pos += 4 * n
    assert pos == len(data), path
    return tensors


# ---------------------------------------------------------------- torch side

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "elu": nn.ELU,   # elu alpha 1
               "gelu": lambda: nn.GELU(approximate="none"),      # exact, erf
               "softmax": None}                                  # applied in the loss


# nnc's gru columns are z, r, h (Keras's order); torch's rows are r, z, n
GRU_TO_TORCH = (1, 0, 2)


class ChannelsFirst(nn.Module):
    """(n, h, w) images, one channel, as torch's (n, 1, h, w)"""

    def forward(self, x):
        return x.unsqueeze(1)


class ChannelsLast(nn.Module):
    """(n, c, h, w) as nnc's (n, h, w, c), for a flatten in nnc's order"""

    def forward(self, x):
        return x.permute(0, 2, 3, 1)


def torch_conv(line, channels, w, b):
    """torch's Conv2d of nnc's `conv2d F KxK ... padding=same` (odd K, stride
    1): nnc's kernel (K, K, C, F) is torch's weight (F, C, K, K)"""
    k = int(line.split()[2].split("x")[0])
    assert "padding=same" in line and k % 2 == 1 and "stride" not in line, line
    conv = nn.Conv2d(channels, w.shape[3], k, padding=(k - 1) // 2)
    with torch.no_grad():
        conv.weight.copy_(torch.from_numpy(np.ascontiguousarray(w.transpose(3, 2, 0, 1))))
        conv.bias.copy_(torch.from_numpy(b))
    return conv


class Recurrent(nn.Module):
    """A torch RNN, LSTM or GRU (batch_first) giving every step's h with
    `sequences`, else the last step's, as nnc's layer does."""

    def __init__(self, cell, sequences):
        super().__init__()
        self.cell, self.sequences = cell, sequences

    def forward(self, x):
        y, _ = self.cell(x)
        return y if self.sequences else y[:, -1]


def torch_recurrent(kind, n_in, units, act, sequences, w, u, b, gru_order):
    """The torch layer of nnc's rnn, lstm or gru with its W (n_in, G), U
    (units, G) and b (G, or for gru (2, G): input bias, recurrent bias).
    torch's weight_ih is W^T, weight_hh U^T; rnn's and lstm's single bias is
    torch's bias_ih (bias_hh zero and frozen); lstm's gates i, f, c, o are torch's i, f,
    g, o; gru's z, r, h are reordered to torch's r, z, n, whose equations are
    Keras's reset_after=True: n = tanh(W_n x + b_in + r (U_n h + b_hn))."""
    if kind == "rnn":
        cell = nn.RNN(n_in, units, nonlinearity=act or "tanh", batch_first=True)
        b_ih, b_hh = b, np.zeros_like(b)
    elif kind == "lstm":
        cell = nn.LSTM(n_in, units, batch_first=True)
        b_ih, b_hh = b, np.zeros_like(b)
    else:
        def reorder(a):
            blocks = np.split(a, 3, axis=-1)
            return np.concatenate([blocks[i] for i in gru_order], axis=-1)
        cell = nn.GRU(n_in, units, batch_first=True)
        w, u, b_ih, b_hh = reorder(w), reorder(u), reorder(b[0]), reorder(b[1])
    with torch.no_grad():
        for name, value in (("weight_ih_l0", w.T), ("weight_hh_l0", u.T),
                            ("bias_ih_l0", b_ih), ("bias_hh_l0", b_hh)):
            getattr(cell, name).copy_(torch.from_numpy(np.ascontiguousarray(value)))
    if kind != "gru":   # nnc has one bias: torch's second stays zero, untrained
        cell.bias_hh_l0.requires_grad_(False)
    return Recurrent(cell, sequences)


def torch_model(model, weights, gru_order=GRU_TO_TORCH):
    """(Sequential up to the output's logits, [(dense kernel, l2)]) with nnc's
    weights; it takes x as (n, 28, 28)."""
    modules, kernels, shape = [], [], (28, 28)
    # each layer's tensors in the file's order, checked by their last part:
    # a layer's name depends on its content (dense128, dense128_2:
    # docs/language.md)
    tensors = iter(weights.items())

    def take(*parts):
        got = [next(tensors) for _ in parts]
        assert all(name.endswith("." + part) for (name, _), part in zip(got, parts)), got
        return [value for _, value in got]

    for line in model["layers"]:
        kind, units, act, l2, sequences = parse_layer(line)
        if kind == "conv2d":   # images go channels first in torch
            assert l2 is None and not model["network_l2"], "l2 on dense kernels only"
            if len(shape) == 2:
                modules.append(ChannelsFirst())
                shape = shape + (1,)
            w, b = take("w", "b")
            modules.append(torch_conv(line, shape[2], w, b))
            modules.append(ACTIVATIONS[act]())
            shape = shape[:2] + (units,)
        elif kind == "maxpool":
            modules.append(nn.MaxPool2d(units))
            shape = (shape[0] // units, shape[1] // units, shape[2])
        elif kind == "flatten":
            if len(shape) == 3:   # nnc flattens (h, w, c)
                modules.append(ChannelsLast())
            modules.append(nn.Flatten())
            shape = (int(np.prod(shape)),)
        elif kind in RECURRENT:
            assert l2 is None and not model["network_l2"], "l2 on dense kernels only"
            w, u, b = take("w", "u", "b")
            modules.append(torch_recurrent(kind, shape[-1], units, act, sequences,
                                           w, u, b, gru_order))
            shape = (shape[0], units) if sequences else (units,)
        else:
            # on a sequence (steps, features), Linear applies to each step,
            # as nnc's dense does
            assert kind == "dense", line
            w, b = take("w", "b")
            lin = nn.Linear(shape[-1], units)
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(w.T.copy()))
                lin.bias.copy_(torch.from_numpy(b))
            modules.append(lin)
            kernels.append((lin.weight, l2 if l2 is not None else model["network_l2"]))
            if ACTIVATIONS[act] is not None:
                modules.append(ACTIVATIONS[act]())
            shape = shape[:-1] + (units,)
    assert next(tensors, None) is None, sorted(weights)
    return nn.Sequential(*modules), kernels


def torch_loss(model, net, kernels, x, y):
    """Batch mean of the model's loss plus the L2 penalty, as nnc reports it."""
    logits = net(x)
    if model["loss"] == "cross_entropy":   # softmax fused: logsumexp(z) - z[t]
        data_loss = F.cross_entropy(logits, y)
    elif model["loss"].startswith("cross_entropy smoothing="):   # Keras's label_smoothing
        eps = float(model["loss"].split("=")[1])
        data_loss = F.cross_entropy(logits, y, label_smoothing=eps)
    elif model["loss"] == "mse":           # mean over outputs, as Keras
        onehot = F.one_hot(y, logits.shape[1]).to(logits.dtype)
        data_loss = ((torch.softmax(logits, 1) - onehot) ** 2).mean(1).mean()
    else:
        raise ValueError(model["loss"])
    penalty = sum(l2 * (w ** 2).sum() for w, l2 in kernels if l2)
    return data_loss + penalty


class KerasAdagrad(torch.optim.Optimizer):
    """nnc's (Keras's) AdaGrad: acc += g^2; w -= lr * g / sqrt(acc + eps).
    torch's Adagrad divides by sqrt(acc) + eps instead."""

    def __init__(self, params, lr, initial_accumulator, epsilon):
        super().__init__(params, dict(lr=lr, init=initial_accumulator, eps=epsilon))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            for p in group["params"]:
                st = self.state[p]
                if not st:
                    st["acc"] = torch.full_like(p, group["init"])
                st["acc"].add_(p.grad * p.grad)
                p.sub_(group["lr"] * p.grad / torch.sqrt(st["acc"] + group["eps"]))


class KerasRMSprop(torch.optim.Optimizer):
    """nnc's (Keras's) RMSProp: v = rho v + (1 - rho) g^2; w -= lr g / sqrt(v + eps).
    torch's RMSprop divides by sqrt(v) + eps instead."""

    def __init__(self, params, lr, rho, epsilon):
        super().__init__(params, dict(lr=lr, rho=rho, eps=epsilon))

    @torch.no_grad()
    def step(self):
        for group in self.param_groups:
            for p in group["params"]:
                st = self.state[p]
                if not st:
                    st["v"] = torch.zeros_like(p)
                st["v"].mul_(group["rho"]).add_((1 - group["rho"]) * (p.grad * p.grad))
                p.sub_(group["lr"] * p.grad / torch.sqrt(st["v"] + group["eps"]))


def torch_optimizer(name, params, o):
    """The torch optimizer computing nnc's update for optimizer `name`."""
    if name == "sgd":
        return torch.optim.SGD(params, lr=o["lr"])
    if name == "momentum":
        # Keras: v = mu v - lr g, w += v.  torch: b = mu b + g, w -= lr b.
        # Same updates at a constant lr (v = -lr b).
        return torch.optim.SGD(params, lr=o["lr"], momentum=o["momentum"])
    if name == "nesterov":
        # Keras: v = mu v - lr g, w += mu v - lr g.  torch: b = mu b + g,
        # w -= lr (g + mu b).  Same updates at a constant lr.
        return torch.optim.SGD(params, lr=o["lr"], momentum=o["momentum"], nesterov=True)
    if name == "adagrad":
        return KerasAdagrad(params, o["lr"], o["initial_accumulator"], o["epsilon"])
    if name == "rmsprop":
        return KerasRMSprop(params, o["lr"], o["rho"], o["epsilon"])
    if name == "torch_rmsprop":   # a control: epsilon outside the root
        return torch.optim.RMSprop(params, lr=o["lr"], alpha=o["rho"], eps=o["epsilon"])
    if name == "torch_adagrad":   # a control: epsilon outside the root
        return torch.optim.Adagrad(params, lr=o["lr"], eps=o["epsilon"],
                                   initial_accumulator_value=o["initial_accumulator"])
    if name == "adam":
        # nnc's Adam is torch's: w -= lr mhat / (sqrt(vhat) + eps)
        return torch.optim.Adam(params, lr=o["lr"], betas=(o["beta1"], o["beta2"]),
                                eps=o["epsilon"])
    if name == "adamw":
        # torch's AdamW: w *= 1 - lr wd, then Adam, as nnc (decay first)
        return torch.optim.AdamW(params, lr=o["lr"], betas=(o["beta1"], o["beta2"]),
                                 eps=o["epsilon"], weight_decay=o["weight_decay"])
    if name == "adadelta":
        # torch's Adadelta has eps inside both roots and lr as a factor, as Keras
        return torch.optim.Adadelta(params, lr=o["lr"], rho=o["rho"], eps=o["epsilon"])
    raise ValueError(name)


def torch_steps(model, weights, optimizer, opts, x, y, steps, gru_order=GRU_TO_TORCH):
    """The per-step losses of `steps` updates in torch, from nnc's weights."""
    net, kernels = torch_model(model, weights, gru_order)
    opt = torch_optimizer(optimizer, net.parameters(), opts)
    losses = []
    for k in range(steps):
        xb, yb = x[k * BATCH:(k + 1) * BATCH], y[k * BATCH:(k + 1) * BATCH]
        opt.zero_grad(set_to_none=True)
        loss = torch_loss(model, net, kernels, xb, yb)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    return losses


# ---------------------------------------------------------------- comparison

def compare(ours, theirs):
    """(max relative difference, first failing step or None)."""
    rel, first_bad = 0.0, None
    for k, (a, b) in enumerate(zip(ours, theirs), 1):
        rel = max(rel, abs(a - b) / max(abs(b), 1e-12))
        if abs(a - b) > RTOL * abs(b) + ATOL and first_bad is None:
            first_bad = k
    return rel, first_bad


def check(nnc, workdir, x, y, model_name, row, steps, control=None):
    """One (model, optimizer row): (max relative difference, first bad step,
    nnc's losses, torch's losses).  control changes the torch side (CONTROLS)."""
    model, (optimizer, opts) = MODELS[model_name], OPTIMIZERS[row]
    name = "%s_%s" % (model_name, row)
    ours, weights_path = nnc_steps(nnc, workdir, name, model, optimizer, opts, steps)
    control = dict(control or {})
    optimizer = control.pop("optimizer", optimizer)
    theirs = torch_steps(model, read_weights(weights_path), optimizer, opts, x, y, steps,
                         **control)
    rel, first_bad = compare(ours, theirs)
    return rel, first_bad, ours, theirs


def print_failure(label, first_bad, ours, theirs):
    print("  %s: first differing step %d" % (label, first_bad))
    for k, (a, b) in enumerate(zip(ours, theirs), 1):
        mark = "  <--" if k == first_bad else ""
        print("    step %2d  nnc %.6f  torch %.6f  rel %.2e%s"
              % (k, a, b, abs(a - b) / max(abs(b), 1e-12), mark))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("build", nargs="?", default="build", help="folder holding nnc")
    ap.add_argument("--steps", type=int, default=STEPS)
    ap.add_argument("--keep", metavar="DIR", help="write the .nn files and trainers here")
    ap.add_argument("--controls", action="store_true",
                    help="also run a deliberately mismatched torch optimizer, expected to FAIL")
    args = ap.parse_args()

    torch.set_num_threads(1)
    torch.set_default_dtype(torch.float32)
    nnc = os.path.abspath(os.path.join(args.build, "nnc"))
    if not os.access(nnc, os.X_OK):
        raise SystemExit("compare_torch.py: no nnc in %s (run make)" % args.build)
    x, y = load_training_part(args.steps * BATCH)

    with tempfile.TemporaryDirectory(prefix="compare_torch.") as tmp:
        workdir = args.keep or tmp
        os.makedirs(workdir, exist_ok=True)
        print("%d steps of batch %d; pass: |nnc - torch| <= %g * |torch| + %g at every step"
              % (args.steps, BATCH, RTOL, ATOL))
        print("%-14s %-12s %14s  %s" % ("model", "optimizer", "max rel diff", "result"))
        failures = []
        for model_name, model in MODELS.items():
            for row in model.get("optimizers", OPTIMIZERS):
                rel, bad, ours, theirs = check(nnc, workdir, x, y, model_name, row, args.steps)
                print("%-14s %-12s %14.2e  %s" % (model_name, row, rel,
                                                   "PASS" if bad is None else "FAIL"),
                      flush=True)
                if bad is not None:
                    failures.append(("%s %s" % (model_name, row), bad, ours, theirs))
        for model_name, row, what, control in CONTROLS if args.controls else []:
            rel, bad, _, _ = check(nnc, workdir, x, y, model_name, row, args.steps, control)
            print("control: %s %s, %s: max rel diff %.2e, %s (expected FAIL)"
                  % (model_name, row, what, rel, "PASS" if bad is None else "FAIL"))
        for label, bad, ours, theirs in failures:
            print_failure(label, bad, ours, theirs)
        n = sum(len(m.get("optimizers", OPTIMIZERS)) for m in MODELS.values())
        print("%d of %d passed" % (n - len(failures), n))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
