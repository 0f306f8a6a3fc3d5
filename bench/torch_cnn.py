"""PyTorch peer of examples/fashion_cnn.nn, for make bench.

The same model, data split and training recipe as the .nn file (which
follows Keras's defaults), written the way a PyTorch user would, channels
first (N, C, H, W) as PyTorch wants them:

  28x28x1 -> conv2d 32 5x5 relu same -> maxpool 2 -> conv2d 64 5x5 relu
  same -> maxpool 2 -> flatten -> dense 1024 relu -> dropout 0.4 ->
  dense 10 softmax, cross-entropy on integer labels, Adam lr 0.001 betas
  0.9/0.999 eps 1e-7, batch 64, last 10% of the training file held out for
  validation, pixels / 255, glorot-uniform kernels and zero biases.

Run with Debian's interpreter (/usr/bin/python3) and python3-torch.  Prints a
Keras-like line per epoch, then machine-readable lines for bench.sh:
  seconds_per_epoch X / test_accuracy Y / test_loss Z /
  macs_per_sample M (forward multiply-adds of one sample, counted on the
  model's layers) / train_samples N / validation_samples V
An epoch's time covers training and the validation pass, not data loading.
"""
import argparse
import os
import time

import torch
from torch import nn

from torch_mlp import data_dir, load  # same files, same reading

BATCH = 64
LR = 0.001
VALIDATION = 0.10


def make_model():
    # "same" padding for a 5x5 kernel at stride 1 is 2 on every side.
    model = nn.Sequential(
        nn.Conv2d(1, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),   # 32x14x14
        nn.Conv2d(32, 64, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),  # 64x7x7
        nn.Flatten(), nn.Linear(64 * 7 * 7, 1024), nn.ReLU(), nn.Dropout(0.4),
        nn.Linear(1024, 10))
    for layer in model:
        # Keras's defaults, not PyTorch's.  For a kernel (out, in, kh, kw)
        # both count fan_in = in*kh*kw and fan_out = out*kh*kw.
        if isinstance(layer, (nn.Conv2d, nn.Linear)):
            nn.init.xavier_uniform_(layer.weight)
            nn.init.zeros_(layer.bias)
    return model


def macs_per_sample(model):
    """Forward multiply-adds of one 28x28x1 sample: a convolution does
    in_channels*kh*kw of them per output value, a dense layer in*out; pooling
    and activations are not counted (they are not multiply-adds)."""
    macs = []

    def count(layer, _inputs, out):
        if isinstance(layer, nn.Conv2d):
            kh, kw = layer.kernel_size
            macs.append(out[0].numel() * layer.in_channels // layer.groups * kh * kw)
        elif isinstance(layer, nn.Linear):
            macs.append(layer.in_features * layer.out_features)

    hooks = [layer.register_forward_hook(count) for layer in model]
    with torch.no_grad():
        model.eval()
        model(torch.zeros(1, 1, 28, 28))
    for h in hooks:
        h.remove()
    return sum(macs)


def evaluate(model, loss_fn, x, y):
    """Mean loss and accuracy in batches of BATCH, as Keras's fit() does."""
    loss_sum, correct = 0.0, 0
    with torch.no_grad():
        for i in range(0, len(x), BATCH):
            logits = model(x[i:i + BATCH])
            loss_sum += loss_fn(logits, y[i:i + BATCH]).item()
            correct += (logits.argmax(1) == y[i:i + BATCH]).sum().item()
    return loss_sum / len(x), correct / len(x)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--threads", type=int, default=os.cpu_count())
    ap.add_argument("--seed", type=int, default=1)
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    d = data_dir()
    # load() gives (n, 784) rows; a view makes them (n, 1, 28, 28).
    x_all, y_all = load(d, "train")
    x_test, y_test = load(d, "t10k")
    x_all, x_test = x_all.view(-1, 1, 28, 28), x_test.view(-1, 1, 28, 28)
    # Keras's validation_split: the last fraction, taken before shuffling.
    n_train = int(len(x_all) * (1 - VALIDATION))
    x_train, y_train = x_all[:n_train], y_all[:n_train]
    x_val, y_val = x_all[n_train:], y_all[n_train:]

    model = make_model()
    macs = macs_per_sample(model)
    # Softmax and cross-entropy fused on logits: the same maths as a softmax
    # layer followed by sparse categorical cross-entropy, computed stably.
    loss_fn = nn.CrossEntropyLoss(reduction="sum")
    # Keras adds eps to sqrt(v) before bias correction, PyTorch after: at
    # 1e-7 the two differ far below float noise.
    opt = torch.optim.Adam(model.parameters(), lr=LR, betas=(0.9, 0.999), eps=1e-7)
    gen = torch.Generator().manual_seed(args.seed)

    seconds = []
    for epoch in range(1, args.epochs + 1):
        start = time.perf_counter()
        model.train()
        order = torch.randperm(n_train, generator=gen)
        loss_sum = torch.zeros(())
        correct = torch.zeros((), dtype=torch.int64)
        for i in range(0, n_train, BATCH):  # the last batch may be short
            idx = order[i:i + BATCH]
            xb, yb = x_train[idx], y_train[idx]
            logits = model(xb)
            loss = loss_fn(logits, yb)
            opt.zero_grad(set_to_none=True)
            (loss / len(idx)).backward()
            opt.step()
            loss_sum += loss.detach()
            correct += (logits.detach().argmax(1) == yb).sum()
        model.eval()
        val_loss, val_acc = evaluate(model, loss_fn, x_val, y_val)
        seconds.append(time.perf_counter() - start)
        print(f"epoch {epoch}/{args.epochs}  loss {loss_sum.item() / n_train:.4f}  "
              f"accuracy {correct.item() / n_train:.4f}  val_loss {val_loss:.4f}  "
              f"val_accuracy {val_acc:.4f}  {seconds[-1]:.1f}s", flush=True)

    test_loss, test_acc = evaluate(model, loss_fn, x_test, y_test)
    print(f"seconds_per_epoch {sum(seconds) / len(seconds):.3f}")
    print(f"test_accuracy {test_acc:.4f}")
    print(f"test_loss {test_loss:.4f}")
    print(f"macs_per_sample {macs}")
    print(f"train_samples {n_train}")
    print(f"validation_samples {len(x_all) - n_train}")


if __name__ == "__main__":
    main()
