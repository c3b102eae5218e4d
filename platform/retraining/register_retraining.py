"""Register (or update) the retraining deployment: the retraining flow on a cron schedule in UTC.

    python3 register_retraining.py --pool ml-pool --source /opt/ml-platform/retraining \
        --schedule "0 3 * * *" --parameters '{"epochs": 200, ...}'

The workers load the flow from `--source`, where the platform delivers this
folder to them; the flow is imported from the folder this script lives in
(the same files). The deployment's concurrency limit of 1 with CANCEL_NEW keeps
two runs from ever overlapping. The API address and login come from
PREFECT_API_URL and PREFECT_API_AUTH_STRING.
"""

import argparse
import hashlib
import json
from pathlib import Path

from prefect import flow
from prefect.client.schemas.objects import ConcurrencyLimitConfig, ConcurrencyLimitStrategy
from prefect.runner.storage import LocalStorage
from prefect.schedules import Cron

HERE = Path(__file__).resolve().parent
ENTRYPOINT = "retraining_flow.py:retraining"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pool", required=True)
    parser.add_argument("--source", required=True)
    parser.add_argument("--name", default="retraining")
    parser.add_argument("--schedule", required=True, help="five-field cron expression, UTC")
    parser.add_argument("--parameters", required=True, help="the flow's parameters as a JSON object")
    args = parser.parse_args()

    parameters = json.loads(args.parameters)
    local = flow.from_source(source=str(HERE), entrypoint=ENTRYPOINT)
    # The version changes exactly when the flow's code or its settings do.
    version = hashlib.sha256((HERE / ENTRYPOINT.split(":")[0]).read_bytes() + args.parameters.encode()).hexdigest()[:12]
    deployment = local.to_deployment(
        name=args.name,
        version=version,
        work_pool_name=args.pool,
        schedules=[Cron(args.schedule, timezone="UTC")],
        concurrency_limit=ConcurrencyLimitConfig(limit=1, collision_strategy=ConcurrencyLimitStrategy.CANCEL_NEW),
        parameters=parameters,
        tags=["ml-platform", "retraining"],
    )
    deployment.storage = LocalStorage(path=args.source)
    deployment_id = deployment.apply(work_pool_name=args.pool)
    print(f"deployment {deployment.full_name} id {deployment_id} version {version} schedule {args.schedule!r} (UTC)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
