"""Training pipeline: describe the data, run the reference trainer, verify what it published.

Runs on a Prefect process worker of the `ml-pool` work pool. The worker sees the
data volume, the models volume and the reference trainer at the paths below; the
environment variables exist so that the same flow runs outside the containers.
Only prefect and the standard library are imported: the worker image has nothing else.

Where flow runs do not share serving's models volume (Kubernetes runs them in a
namespace of their own), ML_PLATFORM_MODEL_PUBLISH_URL names serving's model
intake, and the flow hands its model over there with the token in
ML_PLATFORM_MODEL_PUBLISH_TOKEN_FILE.
"""

import csv
import glob
import json
import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from prefect import flow, get_run_logger, task
from prefect.artifacts import create_table_artifact
from prefect.runtime import flow_run


def data_dir() -> Path:
    return Path(os.environ.get("ML_PLATFORM_DATA_DIR", "/data"))


def models_dir() -> Path:
    return Path(os.environ.get("ML_PLATFORM_MODELS_DIR", "/models"))


def trainer_path() -> Path:
    return Path(os.environ.get("ML_PLATFORM_TRAINER", "/opt/ml-platform/flows/train.py"))


def is_numeric(record: list[str]) -> bool:
    try:
        [float(value) for value in record]
    except ValueError:
        return False
    return bool(record)


@task
def describe_data(directory: Path) -> dict[str, Any]:
    """Count the numeric CSV rows the trainer will read, by its rule (headers and bad lines are skipped).

    With no rows the trainer falls back to synthetic data; saying so up front
    explains a model that was not trained on the user's data.
    """
    files = sorted(glob.glob(str(directory / "**" / "*.csv"), recursive=True))
    rows = 0
    for path in files:
        with open(path, newline="") as handle:
            rows += sum(1 for record in csv.reader(handle) if is_numeric(record))
    description = {"directory": str(directory), "exists": directory.is_dir(), "files": len(files), "rows": rows, "synthetic": rows == 0}
    logger = get_run_logger()
    if rows == 0:
        logger.info("%s has no numeric CSV rows: the trainer will use its synthetic data set", directory)
    else:
        logger.info("%s: %d numeric rows in %d CSV files", directory, rows, len(files))
    return description


@task
def run_trainer(trainer: Path, data: Path, models: Path, epochs: int, run: str, timeout_seconds: float) -> str:
    """Run train.py as a child process so that it stays the one trainer the platform ships.

    The run id is set explicitly: the trainer's default (the current second) would
    make two flow runs started in the same second compete as one training run.
    """
    if not trainer.is_file():
        raise FileNotFoundError(f"the reference trainer is not at {trainer}; set ML_PLATFORM_TRAINER or deliver workloads/train.py there")
    environment = {**os.environ, "ML_PLATFORM_RUN_ID": run, "JOB_COMPLETION_INDEX": "0"}
    command = [sys.executable, str(trainer), "--data", str(data), "--models", str(models), "--epochs", str(epochs)]
    try:
        result = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=timeout_seconds)
    except subprocess.TimeoutExpired as error:
        raise RuntimeError(f"the trainer did not finish within {timeout_seconds}s; stderr: {error.stderr or ''}") from error
    if result.returncode != 0:
        raise RuntimeError(f"the trainer exited with {result.returncode}; stderr:\n{result.stderr.strip()[-4000:]}")
    get_run_logger().info(result.stdout.strip())
    return result.stdout


@task
def verify_publication(models: Path, run: str, description: dict[str, Any]) -> dict[str, Any]:
    """Check the trainer's candidate file and the served model file, and return the model's identity.

    A newer training run may already have replaced current.json (the trainer lets
    a new run replace an old one), so `published` reports whether ours is still
    the served model instead of failing.
    """
    candidate = json.loads((models / "candidates" / f"{run}-0.json").read_text())
    current = json.loads((models / "current.json").read_text())
    if not isinstance(current.get("weights"), list):
        raise ValueError(f"{models / 'current.json'} has no weights; the model server would not load it")
    if candidate["run"] != run or not isinstance(candidate.get("weights"), list):
        raise ValueError(f"the candidate for run {run} is not a model of that run: {candidate.get('run')!r}")
    if not description["synthetic"] and candidate["rows"] != description["rows"]:
        get_run_logger().warning("the trainer read %d rows, %d were counted before: the data changed meanwhile", candidate["rows"], description["rows"])
    return {
        "run": run,
        "validation_mse": candidate["validation_mse"],
        "rows": candidate["rows"],
        "source": candidate["source"],
        "epochs": candidate["epochs"],
        "trained_at": candidate["trained_at"],
        "published": current.get("run") == run,
        "served_run": current.get("run"),
    }


def publish_url() -> str | None:
    """Set where flow runs cannot write to serving's models volume (Kubernetes: another namespace)."""
    return os.environ.get("ML_PLATFORM_MODEL_PUBLISH_URL") or None


def publish_token() -> str:
    path = os.environ.get("ML_PLATFORM_MODEL_PUBLISH_TOKEN_FILE")
    token = Path(path).read_text() if path else os.environ.get("ML_PLATFORM_MODEL_PUBLISH_TOKEN", "")
    if not token.strip():
        raise RuntimeError("ML_PLATFORM_MODEL_PUBLISH_URL is set but no token is: set ML_PLATFORM_MODEL_PUBLISH_TOKEN_FILE")
    return token.strip()


@task(retries=3, retry_delay_seconds=5)
def publish_to_serving(models: Path, run: str, url: str) -> bool:
    """Hand this run's model to serving's intake, unless a newer run already replaced it here.

    Sending an older model would take serving back in time, so only the model
    that is current on this side is sent.
    """
    current = json.loads((models / "current.json").read_text())
    if current.get("run") != run:
        get_run_logger().info("run %s is no longer the current model (%s is): nothing to publish", run, current.get("run"))
        return False
    request = urllib.request.Request(
        url,
        data=json.dumps(current).encode(),
        method="PUT",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {publish_token()}"},
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            answer = json.load(response)
    except urllib.error.HTTPError as error:
        raise RuntimeError(f"serving refused the model of run {run}: {error.code} {error.read().decode(errors='replace')}") from error
    if answer.get("published") != run:
        raise RuntimeError(f"serving answered {answer!r} for the model of run {run}")
    get_run_logger().info("published the model of run %s to serving at %s", run, url)
    return True


@flow(name="training-pipeline")
def training_pipeline(epochs: int = 200, timeout_seconds: float = 1800.0) -> dict[str, Any]:
    """Train on the data volume and publish to the models volume; returns the model's identity.

    The result is also stored as the table artifact `training-result`, since a
    deployment's return value is not kept by the server unless results are persisted.
    """
    if epochs < 1:
        raise ValueError("epochs must be at least 1")
    run = f"{time.strftime('%Y%m%dT%H%M%SZ', time.gmtime())}-{str(flow_run.id)[:8]}"
    description = describe_data(data_dir())
    run_trainer(trainer_path(), data_dir(), models_dir(), epochs, run, timeout_seconds)
    model = verify_publication(models_dir(), run, description)
    url = publish_url()
    if url:
        model["published_to_serving"] = publish_to_serving(models_dir(), run, url)
    create_table_artifact([model], key="training-result", description=f"model of training run {run}")
    return model


if __name__ == "__main__":
    print(json.dumps(training_pipeline(), indent=2))
