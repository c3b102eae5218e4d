"""Register the example flows as deployments in the platform's work pool (re-running updates them).

    python3 flows/deploy.py [--pool ml-pool] [--source /opt/ml-platform/flows] [--run]

The workers run code from their own disk: the platform delivers this folder to
every worker at `--source`. `flow.from_source(<local path>)` both imports the flow
from that path here (for its name and parameter schema) and records that same path
as the deployment's pull step (`set_working_directory`), which only works where the
two paths agree, e.g. inside a worker container. So the flows are imported from the
folder this script lives in, and the deployment points the workers at `--source`.
Needs only prefect; the API address and credentials come from PREFECT_API_URL and
PREFECT_API_AUTH_STRING (or the active Prefect profile).
"""

import argparse
import hashlib
import os
from pathlib import Path
from uuid import UUID

from prefect import flow
from prefect.client.orchestration import get_client
from prefect.deployments import run_deployment
from prefect.exceptions import ObjectNotFound
from prefect.runner.storage import LocalStorage

HERE = Path(__file__).resolve().parent
ENTRYPOINTS = ("training.py:training_pipeline", "fan_out.py:fan_out")


def version_of(entrypoint: str) -> str:
    """The flow file's content hash: a deployment's version changes exactly when its code does."""
    return hashlib.sha256((HERE / entrypoint.split(":")[0]).read_bytes()).hexdigest()[:12]


def register(entrypoint: str, name: str, pool: str, source: str) -> tuple[str, UUID, str]:
    local = flow.from_source(source=str(HERE), entrypoint=entrypoint)
    version = version_of(entrypoint)
    deployment = local.to_deployment(name=name, version=version, work_pool_name=pool, tags=["ml-platform"])
    deployment.storage = LocalStorage(path=source)
    deployment_id = deployment.apply(work_pool_name=pool)
    return deployment.full_name, deployment_id, version


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pool", default=os.environ.get("ML_PLATFORM_WORK_POOL", "ml-pool"), help="work pool (env ML_PLATFORM_WORK_POOL)")
    parser.add_argument(
        "--source",
        default=os.environ.get("ML_PLATFORM_FLOWS_SOURCE", "/opt/ml-platform/flows"),
        help="this folder as the workers see it (env ML_PLATFORM_FLOWS_SOURCE)",
    )
    parser.add_argument("--name", default="ml-platform", help="deployment name, the same for both flows")
    parser.add_argument("--run", action="store_true", help="then start one run of each deployment")
    args = parser.parse_args()

    with get_client(sync_client=True) as client:
        try:
            pool_type = client.read_work_pool(args.pool).type
        except ObjectNotFound:
            parser.exit(1, f"work pool {args.pool!r} does not exist; create it with: prefect work-pool create {args.pool} --type process\n")
    print(f"work pool {args.pool} ({pool_type}); workers load the flows from {args.source}")
    for entrypoint in ENTRYPOINTS:
        full_name, deployment_id, version = register(entrypoint, args.name, args.pool, args.source)
        print(f"deployment {full_name}  id {deployment_id}  version {version}")
        if args.run:
            flow_run = run_deployment(full_name, timeout=0)
            print(f"  started flow run {flow_run.name}  id {flow_run.id}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
