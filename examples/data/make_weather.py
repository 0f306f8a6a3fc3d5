"""Writes weather_train.csv and weather_test.csv for examples/weather_tags.nn.

A made-up but lawful climate, so the multi-label example has data that
ships with the repository: a day's readings (temperature in C, relative
humidity in %, wind in km/h, pressure in hPa) and three tags that may all
hold at once, or none: cold (below 5 C), windy (over 30 km/h) and rain
(likelier the more humid the air and the lower the pressure).  The
readings are scaled near 1.  Deterministic: the same files every time
(python3 examples/data/make_weather.py).
"""
import math
import random

def rows(n, rng):
    for _ in range(n):
        temp = rng.gauss(12, 9)
        humidity = min(100, max(20, rng.gauss(70, 15)))
        wind = max(0, rng.gauss(18, 12))
        pressure = rng.gauss(1013, 9)
        cold = temp < 5
        windy = wind > 30
        # rain: a logistic of humidity and pressure, drawn, so it is noisy
        z = 0.15 * (humidity - 80) - 0.25 * (pressure - 1008)
        rain = rng.random() < 1 / (1 + math.exp(-z))
        yield (temp / 10, humidity / 100, wind / 30, (pressure - 1000) / 10,
               int(cold), int(windy), int(rain))

def write(path, n, seed):
    rng = random.Random(seed)
    with open(path, "w") as f:
        f.write("temp,humidity,wind,pressure,cold,windy,rain\n")
        for r in rows(n, rng):
            f.write(",".join(f"{v:.4f}" for v in r[:4]) + "," +
                    ",".join(str(v) for v in r[4:]) + "\n")

if __name__ == "__main__":
    import os
    here = os.path.dirname(os.path.abspath(__file__))
    write(os.path.join(here, "weather_train.csv"), 3000, 1)
    write(os.path.join(here, "weather_test.csv"), 1000, 2)
