"""Scheduled retraining as a Prefect flow, for targets without a scheduler of their own (Docker and Swarm).

Prefect's scheduler starts it on the deployment's cron schedule (UTC); the
deployment's concurrency limit of 1 with the CANCEL_NEW strategy means a run
never starts while the previous one is still going; a run that starts more than
`starting_deadline_seconds` after its scheduled time is skipped (cancelled with
the reason); the flow-run history stays in Prefect's database. Each run starts
the platform's trainer `completions` times (at most `parallelism` at once),
retries a failed completion up to `backoff_limit` times with a doubling pause,
and stops everything at `deadline_seconds`. Only prefect and the standard
library are imported: the worker image has nothing else.
"""

import os
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timezone
from typing import Any

from prefect import flow, get_run_logger
from prefect.runtime import flow_run
from prefect.states import Cancelled, Failed


def lateness_seconds() -> float:
    scheduled = flow_run.scheduled_start_time
    if scheduled is None:
        return 0.0
    return (datetime.now(timezone.utc) - scheduled).total_seconds()


def train_once(command: list[str], run: str, index: int, backoff_limit: int, deadline: float, logger: Any) -> int:
    """One completion: the trainer until it succeeds, at most backoff_limit + 1 times, before the deadline.

    It runs in a thread of its own, outside the flow run's context, so it logs through the flow's logger.
    """
    delay = 10
    environment = {**os.environ, "ML_PLATFORM_RUN_ID": run, "JOB_COMPLETION_INDEX": str(index)}
    for attempt in range(1, backoff_limit + 2):
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            logger.error("completion %d: the deadline ran out before attempt %d", index, attempt)
            return 124
        try:
            result = subprocess.run(command, env=environment, capture_output=True, text=True, timeout=remaining)
        except subprocess.TimeoutExpired:
            logger.error("completion %d: attempt %d overran the deadline", index, attempt)
            return 124
        tail = (result.stdout + result.stderr).strip().splitlines()[-5:]
        logger.info("completion %d attempt %d exited %d: %s", index, attempt, result.returncode, " | ".join(tail))
        if result.returncode == 0:
            return 0
        if attempt <= backoff_limit:
            time.sleep(min(delay, max(0.0, deadline - time.monotonic())))
            delay = min(delay * 2, 360)
    return result.returncode


@flow(name="retraining")
def retraining(
    trainer: str,
    data: str,
    models: str,
    epochs: int,
    completions: int = 1,
    parallelism: int = 1,
    backoff_limit: int = 1,
    deadline_seconds: int = 3600,
    starting_deadline_seconds: int = 600,
):
    logger = get_run_logger()
    late = lateness_seconds()
    if late > starting_deadline_seconds:
        message = f"skipped: started {late:.0f}s after its scheduled time, more than the {starting_deadline_seconds}s allowed"
        logger.warning(message)
        return Cancelled(message=message)
    run = str(flow_run.id or "manual").replace("-", "")[:12]
    command = [sys.executable, trainer, "--data", data, "--models", models, "--epochs", str(epochs)]
    deadline = time.monotonic() + deadline_seconds
    with ThreadPoolExecutor(max_workers=max(1, min(parallelism, completions))) as pool:
        codes = list(pool.map(lambda index: train_once(command, run, index, backoff_limit, deadline, logger), range(completions)))
    failed = [index for index, code in enumerate(codes) if code != 0]
    if failed:
        return Failed(message=f"retraining run {run}: completions {failed} failed (exit codes {[codes[i] for i in failed]})")
    logger.info("retraining run %s: %d completion(s) succeeded", run, completions)
    return run
