"""PyTorch peer of examples/fashion_lstm.nn, for make bench.

The same model, data split and training recipe as the .nn file (which
follows Keras's defaults), written the way a PyTorch user would:

  each image's 28 rows as 28 steps of 28 pixels -> torch.nn.LSTM(28, 128)
  -> the last step's h -> dense 10 softmax, cross-entropy on integer
  labels, Adam lr 0.001 betas 0.9/0.999 eps 1e-7, batch 64, last 10% of
  the training file held out for validation, pixels / 255; Keras's
  initializers: glorot-uniform input kernel, orthogonal recurrent kernel
  (as a whole, (4 * 128, 128)), zero biases but the forget gate's 1
  (torch's gate order i, f, g, o is Keras's), glorot-uniform dense.

Run with Debian's interpreter (/usr/bin/python3) and python3-torch.  Prints a
Keras-like line per epoch, then machine-readable lines for bench.sh:
  seconds_per_epoch X / test_accuracy Y / test_loss Z
An epoch's time covers training and the validation pass, not data loading.
"""
import argparse
import gzip
import os
import time

import numpy as np
import torch
from torch import nn

BATCH = 64
LR = 0.001
VALIDATION = 0.10


def data_dir():
    """$NNC_DATA/fashion-mnist if it has the files, as nnc's runtime looks."""
    for root in (os.environ.get("NNC_DATA"), "/usr/share/datasets"):
        d = os.path.join(root, "fashion-mnist") if root else None
        if d and os.path.exists(os.path.join(d, "train-images-idx3-ubyte.gz")):
            return d
    raise SystemExit("torch_lstm.py: fashion-mnist not found in $NNC_DATA or "
                     "/usr/share/datasets (apt-get install dataset-fashion-mnist)")


def load(d, kind):
    """IDX files: 16-byte header for images, 8 for labels."""
    with gzip.open(os.path.join(d, kind + "-images-idx3-ubyte.gz")) as f:
        x = np.frombuffer(f.read(), np.uint8, offset=16).reshape(-1, 28 * 28)
    with gzip.open(os.path.join(d, kind + "-labels-idx1-ubyte.gz")) as f:
        y = np.frombuffer(f.read(), np.uint8, offset=8)
    assert len(x) == len(y), kind
    return (torch.from_numpy(x.astype(np.float32) / 255.0),
            torch.from_numpy(y.astype(np.int64)))


class LastStep(nn.Module):
    """An LSTM over the rows, then a dense layer on its last step's h."""

    def __init__(self):
        super().__init__()
        self.lstm = nn.LSTM(28, 128, batch_first=True)
        self.dense = nn.Linear(128, 10)

    def forward(self, x):
        out, _ = self.lstm(x.view(-1, 28, 28))
        return self.dense(out[:, -1])


def make_model():
    model = LastStep()
    nn.init.xavier_uniform_(model.lstm.weight_ih_l0)   # Keras's, not PyTorch's
    nn.init.orthogonal_(model.lstm.weight_hh_l0)
    nn.init.zeros_(model.lstm.bias_ih_l0)
    nn.init.zeros_(model.lstm.bias_hh_l0)
    with torch.no_grad():
        model.lstm.bias_ih_l0[128:256] = 1.0   # unit_forget_bias
    nn.init.xavier_uniform_(model.dense.weight)
    nn.init.zeros_(model.dense.bias)
    return model


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
    ap.add_argument("--batch", type=int, default=BATCH,
                    help="samples per update (the scaling table also runs 256)")
    args = ap.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)

    d = data_dir()
    x_all, y_all = load(d, "train")
    x_test, y_test = load(d, "t10k")
    # Keras's validation_split: the last fraction, taken before shuffling.
    n_train = int(len(x_all) * (1 - VALIDATION))
    x_train, y_train = x_all[:n_train], y_all[:n_train]
    x_val, y_val = x_all[n_train:], y_all[n_train:]

    model = make_model()
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
        for i in range(0, n_train, args.batch):  # the last batch may be short
            idx = order[i:i + args.batch]
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


if __name__ == "__main__":
    main()
