"""Fan-out: one flow run maps a small task over `width` items, for load on the work pool.

Every item does a little real work (a hash chain) for about `work_seconds`, and the
flow checks the aggregate against a closed form, so a caller learns that every
task ran and returned the right value, not only that the flow run completed.
"""

import hashlib
import time

from prefect import flow, get_run_logger, task, unmapped
from prefect.artifacts import create_table_artifact


@task
def square(item: int, work_seconds: float) -> int:
    """Return item squared after hashing for `work_seconds` of wall time, so each task costs like real work."""
    deadline = time.monotonic() + work_seconds
    digest = str(item).encode()
    while time.monotonic() < deadline:
        digest = hashlib.sha256(digest).digest()
    return item * item


# Prefect 3.6's thread-pool task runner sometimes fails a flow while it creates many task
# runs at once ("'TaskRun' object has no attribute 'state'", PrefectHQ/prefect#18151)
# before any task has run; a retry of the flow run gets past it.
@flow(name="fan-out", retries=2, retry_delay_seconds=2)
def fan_out(width: int = 8, work_seconds: float = 0.5) -> dict[str, int]:
    """Square 0..width-1 in parallel tasks and return their sum with the expected sum.

    The result is also stored as the table artifact `fan-out-result`, since a
    deployment's return value is not kept by the server unless results are persisted.
    """
    if width < 1 or work_seconds < 0:
        raise ValueError("width must be at least 1 and work_seconds at least 0")
    total = sum(square.map(range(width), unmapped(work_seconds)).result())
    expected = (width - 1) * width * (2 * width - 1) // 6
    if total != expected:
        raise ValueError(f"the tasks summed to {total}, expected {expected}")
    result = {"width": width, "total": total, "expected": expected}
    get_run_logger().info("fan-out of %d tasks: sum of squares %d", width, total)
    create_table_artifact([result], key="fan-out-result", description=f"sum of squares of 0..{width - 1}")
    return result


if __name__ == "__main__":
    print(fan_out())
