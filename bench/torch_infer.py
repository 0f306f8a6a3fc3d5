"""PyTorch peer of an exported model's timing (make bench, bench/export.sh):
fashion_mlp or fashion_cnn as a PyTorch user writes them, in eval mode
under torch.no_grad(), on one sample and on batches of 256, with the
thread count given.  Weights are torch's own: timing does not depend on
them.  Prints the same lines as bench/export_latency.c:
  one_sample_us X / batch256_samples_per_s Y (medians of 7 runs)."""
import argparse
import statistics
import time

import torch
from torch import nn


def model(name):
    if name == "fashion_mlp":
        return nn.Sequential(nn.Flatten(), nn.Linear(784, 128), nn.ReLU(), nn.Linear(128, 10),
                             nn.Softmax(dim=1))
    # fashion_cnn: conv 5x5 32 same, maxpool 2, conv 5x5 64 same, maxpool 2,
    # dense 1024, dropout 0.4, dense 10 softmax
    return nn.Sequential(nn.Conv2d(1, 32, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Conv2d(32, 64, 5, padding=2), nn.ReLU(), nn.MaxPool2d(2),
                         nn.Flatten(), nn.Linear(7 * 7 * 64, 1024), nn.ReLU(), nn.Dropout(0.4),
                         nn.Linear(1024, 10), nn.Softmax(dim=1))


def median_call(net, x, calls):
    times = []
    for _ in range(7):
        start = time.perf_counter()
        for _ in range(calls):
            net(x)
        times.append((time.perf_counter() - start) / calls)
    return statistics.median(times)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("model", choices=("fashion_mlp", "fashion_cnn"))
    p.add_argument("--threads", type=int, default=1)
    a = p.parse_args()
    torch.set_num_threads(a.threads)
    net = model(a.model).eval()
    one, batch = torch.rand(1, 1, 28, 28), torch.rand(256, 1, 28, 28)
    with torch.no_grad():
        first = median_call(net, one, 1)
        calls = int(0.2 / first) + 1
        t1 = median_call(net, one, calls)
        tb = median_call(net, batch, calls // 256 + 1)
    print("one_sample_us %.3f" % (t1 * 1e6))
    print("batch256_samples_per_s %.0f" % (256 / tb))


if __name__ == "__main__":
    main()
