/**
 * Scheduled retraining on Docker, which has no cron: a Prefect deployment on
 * the schedule (platform/retraining.ts), run by the pool's workers. A
 * run-to-completion container registers it once the server and the work pool
 * are up, and runs again whenever its code or settings change; `pulumi up`
 * fails with its exit code and log if it fails.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ExecutorPoolSpec, ScheduledJobSpec } from "../../platform/model";
import { describeRetraining, registrationContainer } from "../../platform/retraining";
import { asResourceError, PlatformContext } from "./context";
import { runOnce } from "./one-shot";

export interface DockerRetrainingArgs {
  spec: ScheduledJobSpec;
  /** The pool whose workers run the deployment's flow runs. */
  pool: ExecutorPoolSpec;
  context: PlatformContext;
  /** The workloads it comes after and the pool's workers (whose pool registration it needs). */
  after: pulumi.Input<pulumi.Resource[]>;
}

export class DockerRetraining extends pulumi.ComponentResource {
  readonly registration: docker.Container;
  /** Resolves once the deployment is registered; rejects if the registration failed. */
  readonly ready: pulumi.Output<pulumi.Resource[]>;
  readonly description: string;

  constructor(name: string, args: DockerRetrainingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ml-platform:docker:Retraining", name, {}, opts);
    try {
      const { spec, pool, context } = args;
      const { run, ready } = runOnce(`${name}-register-deployment`, registrationContainer(spec, pool), {
        workload: { name: `${spec.name}-register-deployment`, component: spec.component },
        context,
        after: args.after,
        parent: this,
        what: `Registering the ${spec.name} deployment`,
      });
      this.registration = run;
      this.ready = ready;
      this.description = describeRetraining(spec, pool, "Docker");
      this.registerOutputs({ registration: run.name, description: this.description });
    } catch (error) {
      throw asResourceError(error, this);
    }
  }
}
