/**
 * Scheduled retraining on Swarm, which has no cron: a Prefect deployment on
 * the schedule (platform/retraining.ts), registered by a one-shot service that
 * Swarm restarts until the server and the work pool are up.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ExecutorPoolSpec, ScheduledJobSpec } from "../../platform/model";
import { describeRetraining, registrationContainer } from "../../platform/retraining";
import { asResourceError } from "../docker/context";
import { SwarmContext } from "./context";
import { ONE_SHOT_RESTART } from "./executor-pool";
import { serviceLabels, serviceName, taskSpec } from "./task";

export interface SwarmRetrainingArgs {
  spec: ScheduledJobSpec;
  pool: ExecutorPoolSpec;
  context: SwarmContext;
}

export class SwarmRetraining extends pulumi.ComponentResource {
  readonly registration: docker.Service;
  readonly description: string;

  constructor(name: string, args: SwarmRetrainingArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ml-platform:swarm:Retraining", name, {}, opts);
    try {
      const { spec, pool, context } = args;
      const container = registrationContainer(spec, pool);
      const workload = `${spec.name}-register-deployment`;
      const identity = { instance: context.instance, name: workload, component: spec.component };
      this.registration = new docker.Service(
        `${name}-register-deployment`,
        {
          name: serviceName(context, workload),
          labels: serviceLabels(identity),
          taskSpec: taskSpec(container, {
            identity,
            context,
            networkAlias: false,
            restartPolicy: ONE_SHOT_RESTART,
            stopGraceSeconds: 10,
          }),
          mode: { replicated: { replicas: 1 } },
        },
        { parent: this, deleteBeforeReplace: true },
      );
      this.description = describeRetraining(spec, pool, "Swarm");
      this.registerOutputs({ registration: this.registration.name, description: this.description });
    } catch (error) {
      throw asResourceError(error, this);
    }
  }
}
