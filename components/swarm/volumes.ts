/**
 * The platform's persistent volumes on Swarm, and who may write to them.
 *
 * A new volume's root belongs to root, so an unprivileged writer could not
 * use it. On Swarm nothing waits for a one-shot task to finish before others
 * start, so the ownership fix is a one-shot service (root, CAP_CHOWN only)
 * that runs beside the workloads, and the writers wait for their volume to
 * become writable (see job.ts) or restart until it is (services).
 *
 * With the "local" driver a volume lives on one node: Postgres is pinned to
 * the labelled node with its volume, and data and models are shared only by
 * tasks on the same node. Several nodes need a volume driver that every node
 * mounts alike (NFS, a cloud volume plugin).
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { asResourceError } from "../docker/context";
import { labelList, recommendedLabels } from "../docker/labels";
import { dockerVolumeName, PersistentVolumeSpec, stateVolumeLabels, VolumeWriter } from "../docker/volumes";
import { SwarmContext } from "./context";
import { serviceLabels, serviceName, LOG_DRIVER } from "./task";

export interface SwarmVolumeArgs {
  instance: string;
  volume: PersistentVolumeSpec;
  driver: string;
}

export class SwarmVolume extends pulumi.ComponentResource {
  readonly volumeName: pulumi.Output<string>;

  constructor(name: string, args: SwarmVolumeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ml-platform:swarm:Volume", name, {}, opts);
    const identity = { instance: args.instance, name: args.volume.name, component: "storage" };
    const volume = new docker.Volume(
      `${name}-volume`,
      {
        // A fixed name: tasks mount the volume by name, on whichever node they run.
        name: dockerVolumeName(args.instance, args.volume.name),
        driver: args.driver,
        labels: stateVolumeLabels(identity, args.volume.size),
      },
      {
        parent: this,
        protect: args.volume.protect,
        retainOnDelete: args.volume.protect,
        deleteBeforeReplace: true,
      },
    );
    this.volumeName = volume.name;
    this.registerOutputs({ volumeName: this.volumeName });
  }
}

export interface VolumeOwnershipArgs {
  context: SwarmContext;
  volume: string;
  writer: VolumeWriter;
  /** Placement constraints of the volume's writers (a pinned database's volume is fixed on its node). */
  constraints?: string[];
}

/** A one-shot service that hands a volume's root to its writers' uid:gid, then exits for good. */
export class VolumeOwnership extends pulumi.ComponentResource {
  readonly service: docker.Service;

  constructor(name: string, args: VolumeOwnershipArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ml-platform:swarm:VolumeOwnership", name, {}, opts);
    try {
      const { context, writer } = args;
      const owner = `${writer.uid}:${writer.gid}`;
      const workload = `${args.volume}-ownership`;
      const identity = { instance: context.instance, name: workload, component: "volume-ownership" };
      this.service = new docker.Service(
        `${name}-service`,
        {
          name: serviceName(context, workload),
          labels: serviceLabels(identity, {
            "ml-platform.owner": owner,
            "ml-platform.writers": writer.workloads.join(","),
          }),
          taskSpec: {
            containerSpec: {
              image: writer.image,
              commands: ["chown", owner, "/volume"],
              user: "0:0",
              readOnly: true,
              // Root only to hand the volume over; CHOWN is the one capability that needs.
              capDrops: ["ALL"],
              capAdds: ["CHOWN"],
              mounts: [
                {
                  type: "volume",
                  source: context.volumes[args.volume],
                  target: "/volume",
                  volumeOptions: { driverName: context.volumeDriver },
                },
              ],
              labels: labelList(recommendedLabels(identity)),
            },
            resources: { limits: { nanoCpus: 500_000_000, memoryBytes: 32 * 1024 * 1024 } },
            // Runs once; a failure is retried a few times, then left for `docker service ps` to show.
            restartPolicy: { condition: "on-failure", delay: "5s", maxAttempts: 3 },
            placement: args.constraints ? { constraints: args.constraints } : undefined,
            networksAdvanceds: [{ name: context.networkId }],
            logDriver: LOG_DRIVER,
          },
          mode: { replicated: { replicas: 1 } },
        },
        { parent: this, deleteBeforeReplace: true },
      );
      this.registerOutputs({ service: this.service.name });
    } catch (error) {
      throw asResourceError(error, this);
    }
  }
}
