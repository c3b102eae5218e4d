"""Reference trainer for the ML platform.

Fits a linear regression by mini-batch gradient descent on the CSV files in the
data volume (numeric columns, the last one is the target) and publishes the
model to the models volume. With no data yet it trains on a synthetic data set
so a fresh platform has a model to serve. Standard library only: it runs in a
plain python image.

Several completions of one training run may run in parallel (Kubernetes Jobs,
or several containers in Docker): each writes its own candidate, and the best
candidate by validation error becomes the served model.
"""

import argparse
import csv
import glob
import json
import os
import random
import sys
import tempfile
import time


def load_rows(data_dir):
    rows = []
    for path in sorted(glob.glob(os.path.join(data_dir, "**", "*.csv"), recursive=True)):
        with open(path, newline="") as handle:
            for record in csv.reader(handle):
                try:
                    rows.append([float(value) for value in record])
                except ValueError:
                    continue  # a header or a malformed line
    widths = {len(row) for row in rows}
    if len(widths) > 1:
        raise SystemExit(f"data rows have different widths {sorted(widths)}; every CSV must have the same columns")
    return rows


def synthetic_rows(count, seed):
    rng = random.Random(seed)
    weights = [2.0, -3.0, 0.5]
    rows = []
    for _ in range(count):
        features = [rng.uniform(-1, 1) for _ in weights]
        target = sum(w * x for w, x in zip(weights, features)) + 1.0 + rng.gauss(0, 0.05)
        rows.append(features + [target])
    return rows


def mean_squared_error(weights, bias, rows):
    total = 0.0
    for row in rows:
        prediction = bias + sum(w * x for w, x in zip(weights, row[:-1]))
        total += (prediction - row[-1]) ** 2
    return total / max(1, len(rows))


def train(rows, epochs, learning_rate, seed):
    rng = random.Random(seed)
    rng.shuffle(rows)
    split = max(1, int(len(rows) * 0.8))
    training, validation = rows[:split], rows[split:] or rows[:split]
    width = len(rows[0]) - 1
    weights = [0.0] * width
    bias = 0.0
    for _ in range(epochs):
        rng.shuffle(training)
        for start in range(0, len(training), 32):
            batch = training[start : start + 32]
            gradient = [0.0] * width
            gradient_bias = 0.0
            for row in batch:
                error = bias + sum(w * x for w, x in zip(weights, row[:-1])) - row[-1]
                for index in range(width):
                    gradient[index] += error * row[index]
                gradient_bias += error
            scale = learning_rate / len(batch)
            weights = [w - scale * g for w, g in zip(weights, gradient)]
            bias -= scale * gradient_bias
    return weights, bias, mean_squared_error(weights, bias, validation)


def write_json_atomically(path, document):
    directory = os.path.dirname(path)
    handle, temporary = tempfile.mkstemp(dir=directory, prefix=".tmp-")
    with os.fdopen(handle, "w") as stream:
        json.dump(document, stream, indent=2, sort_keys=True)
    os.replace(temporary, path)


def publish(models_dir, candidate):
    """Promote the candidate when it beats the current model (or there is none)."""
    current_path = os.path.join(models_dir, "current.json")
    try:
        with open(current_path) as handle:
            current = json.load(handle)
    except (FileNotFoundError, ValueError):
        current = None
    if current is not None and current.get("run") != candidate["run"]:
        # A new run replaces an older one; within one run the best completion wins.
        write_json_atomically(current_path, candidate)
        return True
    if current is None or candidate["validation_mse"] <= current["validation_mse"]:
        write_json_atomically(current_path, candidate)
        return True
    return False


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", required=True)
    parser.add_argument("--models", required=True)
    parser.add_argument("--epochs", type=int, default=200)
    parser.add_argument("--learning-rate", type=float, default=0.05)
    args = parser.parse_args()

    # Both targets say which run a completion belongs to and which completion it is,
    # so that the completions of one run compete while a new run always replaces an old one.
    index = int(os.environ.get("JOB_COMPLETION_INDEX") or "0")
    run = os.environ.get("ML_PLATFORM_RUN_ID") or time.strftime("%Y%m%dT%H%M%SZ", time.gmtime())
    rows = load_rows(args.data)
    source = "data volume"
    if not rows:
        rows = synthetic_rows(2000, seed=7)
        source = "synthetic data (the data volume has no CSV files yet)"
    if len(rows[0]) < 2:
        raise SystemExit("data needs at least one feature column and a target column")

    started = time.time()
    weights, bias, error = train(rows, args.epochs, args.learning_rate, seed=index)
    candidate = {
        "run": run,
        "completion": index,
        "trained_at": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "source": source,
        "rows": len(rows),
        "epochs": args.epochs,
        "weights": weights,
        "bias": bias,
        "validation_mse": error,
    }
    candidates = os.path.join(args.models, "candidates")
    os.makedirs(candidates, exist_ok=True)
    write_json_atomically(os.path.join(candidates, f"{run}-{index}.json"), candidate)
    promoted = publish(args.models, candidate)
    print(
        f"trained on {len(rows)} rows from {source} in {time.time() - started:.1f}s: "
        f"validation MSE {error:.5f}; {'published as current model' if promoted else 'kept the better current model'}",
        flush=True,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
