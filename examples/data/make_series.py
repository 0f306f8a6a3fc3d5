"""Writes series.csv for examples/series_forecast.nn.

A made-up daily series, so the forecasting example has data that ships
with the repository: a yearly swing, a weekly rhythm and noise that lingers
(each day keeps 80% of the day before's), 3000 days from day 0.  A forecast
that knows the rhythm and the lingering beats "tomorrow as today", which
misses both.  Deterministic: the same file every time
(python3 examples/data/make_series.py).
"""
import math
import random

def days(n, rng):
    noise = 0.0
    for t in range(n):
        noise = 0.8 * noise + rng.gauss(0, 0.05)
        yearly = 0.3 * math.sin(2 * math.pi * t / 365)
        weekly = 0.1 * math.sin(2 * math.pi * t / 7)
        yield t, 0.5 + yearly + weekly + noise

if __name__ == "__main__":
    import os
    here = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(here, "series.csv"), "w") as f:
        f.write("day,value\n")
        for t, v in days(3000, random.Random(1)):
            f.write(f"{t},{v:.4f}\n")
