"""Leave nnc with your model: build its network in PyTorch from the .nn
file, load the weights a trainer exported (OUT export-weights --npz F),
and, with --check, compare PyTorch's answers with the trainer's.

    /usr/bin/python3 scripts/load_in_pytorch.py MODEL.nn WEIGHTS.npz \\
        [--check OUT --weights DIR/weights]

Layers: input, flatten, dense, dropout, conv2d (stride=, padding=),
maxpool, avgpool, globalavgpool, batchnorm, with the activations relu,
tanh, sigmoid, softmax, elu, leaky_relu, gelu, softplus, swish, identity.
The layouts are Keras's (docs/weights.md): a dense W is (inputs, outputs),
torch's Linear weight its transpose; a conv2d kernel is (KH, KW, C, F),
torch's (F, C, KH, KW).  nnc's images are channels last (NHWC), torch's
convolutions channels first: the model takes NHWC, permutes once for the
convolutions, and back before a flatten, so that the dense layer after it
sees its inputs in nnc's order.  `let` names and -D are not read: give
the numbers in the network block.

--check runs `OUT encode --layer input --csv` (the test samples as the
trainer scales them) and `OUT predict --csv` on the first 200, and says
how far PyTorch's outputs are from the trainer's: exit status 1 if an
argmax differs or a value by more than 1e-5.
"""
import argparse
import re
import subprocess
import sys

import numpy as np
import torch
from torch import nn

ACTIVATIONS = {
    "relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid, "elu": nn.ELU,
    "gelu": nn.GELU, "softplus": nn.Softplus, "swish": nn.SiLU,
    "softmax": lambda: nn.Softmax(dim=-1), "leaky_relu": nn.LeakyReLU,
    "identity": None, "linear": None,
}


def network_lines(path):
    """The network block's layer lines, as (word, positional args, options)."""
    text = open(path, encoding="utf-8").read()
    block = re.search(r"^\s*network\b[^{]*\{(.*?)^\s*\}", text, re.S | re.M)
    if not block:
        sys.exit(f"{path}: no network {{ ... }} block")
    layers = []
    for line in block.group(1).splitlines():
        words = line.split("#", 1)[0].split()
        if words:
            opts = dict(w.split("=", 1) for w in words[1:] if "=" in w)
            layers.append((words[0], [w for w in words[1:] if "=" not in w], opts))
    return layers


def pair(text):
    """'5x5' -> (5, 5); '2' -> (2, 2)"""
    a, _, b = text.partition("x")
    return int(a), int(b or a)


class ToChannelsFirst(nn.Module):
    def forward(self, x):
        return x.permute(0, 3, 1, 2)


class ToChannelsLast(nn.Module):
    def forward(self, x):
        return x.permute(0, 2, 3, 1)


class SamePad(nn.Module):
    """TensorFlow's 'same' padding (the extra row or column after)."""

    def __init__(self, kernel, stride, size):
        super().__init__()
        pads = []
        for k, s, n in zip(kernel, stride, size):
            out = -(-n // s)
            total = max((out - 1) * s + k - n, 0)
            pads.append((total // 2, total - total // 2))
        (top, bottom), (left, right) = pads
        self.pad = (left, right, top, bottom)

    def forward(self, x):
        return nn.functional.pad(x, self.pad)


def build(nn_path, weights):
    """(nn.Sequential taking NHWC inputs, names of the tensors it used)"""
    tensors = iter(weights.files)
    used = []

    def take(*suffixes):
        out = []
        for suffix in suffixes:
            name = next(tensors)
            assert name.endswith("." + suffix), (name, suffix)
            used.append(name)
            out.append(torch.from_numpy(weights[name].copy()))
        return out

    modules, shape, channels_first = [], None, False

    def activation(word, opts):
        if word not in ACTIVATIONS:
            sys.exit(f"load_in_pytorch: activation '{word}' is not supported here")
        make = ACTIVATIONS[word]
        if word == "leaky_relu":
            return nn.LeakyReLU(float(opts.get("slope", opts.get("alpha", 0.2))))
        if word == "elu":
            return nn.ELU(float(opts.get("alpha", 1.0)))
        return make() if make else None

    def add(module):
        if module is not None:
            modules.append(module)

    for word, args, opts in network_lines(nn_path):
        if word == "input":
            shape = tuple(int(d) for d in args[0].split("x"))
            continue
        if word in ("conv2d", "maxpool", "avgpool", "globalavgpool") and not channels_first:
            add(ToChannelsFirst())
            channels_first = True
        if word in ("flatten", "dense") and channels_first:
            add(ToChannelsLast())   # back to nnc's order before flattening
            channels_first = False
        if word == "flatten":
            add(nn.Flatten())
            shape = (int(np.prod(shape)),)
        elif word == "dropout":
            add(nn.Dropout(float(args[0])))
        elif word == "dense":
            units = int(args[0])
            w, b = take("w", "b")
            lin = nn.Linear(shape[-1], units)
            with torch.no_grad():
                lin.weight.copy_(w.T)
                lin.bias.copy_(b)
            add(lin)
            add(activation(args[1] if len(args) > 1 else "identity", opts))
            shape = shape[:-1] + (units,)
        elif word == "conv2d":
            filters, kernel = int(args[0]), pair(args[1])
            stride = pair(opts.get("stride", "1"))
            h, wd, c = shape
            if opts.get("padding", "valid") == "same":
                add(SamePad(kernel, stride, (h, wd)))
                h, wd = -(-h // stride[0]), -(-wd // stride[1])
            else:
                h = (h - kernel[0]) // stride[0] + 1
                wd = (wd - kernel[1]) // stride[1] + 1
            w, b = take("w", "b")
            conv = nn.Conv2d(c, filters, kernel, stride)
            with torch.no_grad():
                conv.weight.copy_(w.permute(3, 2, 0, 1))
                conv.bias.copy_(b)
            add(conv)
            add(activation(args[2] if len(args) > 2 else "identity", opts))
            shape = (h, wd, filters)
        elif word in ("maxpool", "avgpool"):
            kernel = pair(args[0])
            stride = pair(opts.get("stride", args[0]))
            if opts.get("padding", "valid") == "same":
                sys.exit("load_in_pytorch: pools with padding=same are not supported here")
            pool = nn.MaxPool2d if word == "maxpool" else nn.AvgPool2d
            add(pool(kernel, stride))
            h, wd, c = shape
            shape = ((h - kernel[0]) // stride[0] + 1, (wd - kernel[1]) // stride[1] + 1, c)
        elif word == "globalavgpool":
            add(nn.AdaptiveAvgPool2d(1))
            add(nn.Flatten())
            channels_first = False
            shape = (shape[-1],)
        elif word == "batchnorm":
            gamma, beta, mean, var = take("gamma", "beta", "moving_mean", "moving_variance")
            c = shape[-1]
            eps = float(opts.get("epsilon", 1e-3))
            norm = (nn.BatchNorm2d if channels_first else nn.BatchNorm1d)(c, eps=eps)
            with torch.no_grad():
                norm.weight.copy_(gamma)
                norm.bias.copy_(beta)
                norm.running_mean.copy_(mean)
                norm.running_var.copy_(var)
            add(norm)
            add(activation(args[0] if args else "identity", opts))
        else:
            sys.exit(f"load_in_pytorch: layer '{word}' is not supported here "
                     "(rnn, lstm, gru, embedding, upsample and conv2d_transpose are "
                     "documented in docs/weights.md and docs/language.md)")
    leftover = list(tensors)
    if leftover:
        sys.exit(f"load_in_pytorch: tensors the network did not use: {leftover}")
    return nn.Sequential(*modules).eval(), shape


def trainer_csv(args):
    out = subprocess.run(args, check=True, capture_output=True, text=True).stdout
    return [line.split(",") for line in out.splitlines() if line and line[0].isdigit()]


def check(net, input_shape, trainer, weights, rows=200):
    inputs = trainer_csv([trainer, "encode", "--layer", "input", "--csv", "--weights", weights,
                          "--count", str(rows)])
    predicted = trainer_csv([trainer, "predict", "--csv", "--count", str(rows), "--weights",
                             weights])
    x = torch.tensor([[float(v) for v in row[2:]] for row in inputs])
    x = x.reshape((len(inputs),) + tuple(input_shape))
    with torch.no_grad():
        ours = net(x).reshape(len(inputs), -1).numpy()
    theirs = np.array([[float(v) for v in row[-ours.shape[1]:]] for row in predicted])
    diff = float(np.abs(ours - theirs).max())
    same = bool((ours.argmax(1) == theirs.argmax(1)).all()) or ours.shape[1] == 1
    print(f"{len(inputs)} test samples: largest difference {diff:.2g}, "
          f"argmax {'the same' if same else 'DIFFERENT'}")
    return diff <= 1e-5 and same


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("model", help="the .nn file")
    p.add_argument("npz", help="from OUT export-weights --npz")
    p.add_argument("--check", metavar="OUT", help="the trainer, to compare with")
    p.add_argument("--weights", help="the weights file the npz came from (with --check)")
    a = p.parse_args()
    torch.set_num_threads(1)
    weights = np.load(a.npz)
    first = network_lines(a.model)[0]
    input_shape = tuple(int(d) for d in first[1][0].split("x"))
    net, _ = build(a.model, weights)
    print(net)
    if a.check:
        if not a.weights:
            sys.exit("load_in_pytorch: --check needs --weights, the file the npz came from")
        sys.exit(0 if check(net, input_shape, a.check, a.weights) else 1)


if __name__ == "__main__":
    main()
