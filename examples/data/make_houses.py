"""Writes houses_train.csv and houses_test.csv for examples/regression_houses.nn.

A made-up but lawful market, so the example has data that ships with the
repository: the price of a house (in thousands) from its area (m^2), its
number of rooms and its age (years), with noise.  Deterministic: the same
files every time (python3 examples/data/make_houses.py).
"""
import random

def rows(n, rng):
    for _ in range(n):
        area = rng.uniform(30, 250)
        rooms = rng.randint(1, 7)
        age = rng.uniform(0, 80)
        price = 50 + 2.5 * area + 15 * rooms - 1.2 * age + rng.gauss(0, 10)
        yield area / 100, rooms / 5, age / 50, price / 100   # scaled near 1

def write(path, n, seed):
    rng = random.Random(seed)
    with open(path, "w") as f:
        f.write("area,rooms,age,price\n")
        for r in rows(n, rng):
            f.write(",".join(f"{v:.4f}" for v in r) + "\n")

if __name__ == "__main__":
    import os
    here = os.path.dirname(os.path.abspath(__file__))
    write(os.path.join(here, "houses_train.csv"), 2000, 1)
    write(os.path.join(here, "houses_test.csv"), 500, 2)
