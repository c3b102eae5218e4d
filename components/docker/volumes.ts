/**
 * Persistent platform volumes (data, models, a database's state) and who may
 * write to them.
 *
 * Docker creates a new named volume with a root-owned root directory, so a
 * workload running as an unprivileged user could not write to it. Kubernetes
 * solves that with fsGroup; the Docker way is a one-shot root container that
 * holds only CAP_CHOWN and hands the volume's root to the writer's uid:gid
 * before any writer starts.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { ContainerSpec, ExecutorPoolSpec, PlatformSpec, VolumeMount } from "../../platform/model";
import type { ExecutorType } from "./executor-pool";
import { labelList, recommendedLabels } from "./labels";
import { requireSuccess, RUN_TO_COMPLETION } from "./run-result";
import { asResourceError } from "./context";
import { cpuLimit } from "./container";
import { HOLDS_STATE_LABEL } from "./resource-views";

/** The identity that writes to a volume, and an image to run the ownership fix with. */
export interface VolumeWriter {
  uid: number;
  gid: number;
  /** An image reference that has `chown` (one of the writers' own images). */
  image: string;
  /** The workloads that write, for messages. */
  workloads: string[];
}

/** A persistent volume as the Docker target creates it. */
export interface PersistentVolumeSpec {
  /** Neutral name, e.g. "data" or "postgres-data". */
  name: string;
  size: string;
  /** Kept on `pulumi destroy` and never replaced. */
  protect: boolean;
}

interface Mounting {
  workload: string;
  container: ContainerSpec;
  volume: string;
  readOnly: boolean;
}

/**
 * Process executors run inside the worker containers, so the executors'
 * mounts go onto the workers. A docker-type pool's executors are containers
 * Prefect starts itself; the workers then mount nothing of theirs.
 */
export function executorMountsOnWorkers(pool: ExecutorPoolSpec, executors: ExecutorType): VolumeMount[] {
  return executors === "docker" ? [] : pool.executor.mounts;
}

function mountings(spec: PlatformSpec, executors: ExecutorType): Mounting[] {
  const found: Mounting[] = [];
  const add = (workload: string, container: ContainerSpec, extra: { volume: string; readOnly: boolean }[] = []) => {
    for (const mount of [...container.mounts, ...extra]) {
      found.push({ workload, container, volume: mount.volume, readOnly: mount.readOnly });
    }
  };
  for (const service of spec.services) {
    add(service.name, service.container, service.state ? [{ volume: service.state.volume, readOnly: false }] : []);
  }
  for (const job of spec.jobs) add(job.name, job.container);
  for (const schedule of spec.schedules) add(schedule.name, schedule.job.container);
  for (const pool of spec.executorPools) add(pool.name, pool.worker, executorMountsOnWorkers(pool, executors));
  return found;
}

/**
 * Every persistent volume of the platform: the shared volumes plus each
 * service's own state volume.
 */
export function persistentVolumes(spec: PlatformSpec): PersistentVolumeSpec[] {
  const volumes: PersistentVolumeSpec[] = spec.volumes.map(({ name, size, protect }) => ({ name, size, protect }));
  for (const service of spec.services) {
    if (!service.state) continue;
    const { volume, size, protect } = service.state;
    if (volumes.some((existing) => existing.name === volume)) {
      throw new Error(`state volume "${volume}" of ${service.name} has the name of another platform volume`);
    }
    volumes.push({ name: volume, size, protect });
  }
  return volumes;
}

/**
 * The one identity that writes to each volume. A volume written by two
 * different identities cannot be owned by both, so that is an error rather
 * than a volume one of them cannot write to. Process executors write as
 * their workers do, on the workers' mounts.
 */
export function volumeWriters(spec: PlatformSpec, executors: ExecutorType): Map<string, VolumeWriter> {
  const writers = new Map<string, VolumeWriter>();
  const sorted = mountings(spec, executors)
    .filter((mounting) => !mounting.readOnly)
    .sort((a, b) => a.workload.localeCompare(b.workload));
  for (const { workload, container, volume } of sorted) {
    const { uid, gid } = container.user;
    const existing = writers.get(volume);
    if (!existing) {
      writers.set(volume, { uid, gid, image: container.image, workloads: [workload] });
      continue;
    }
    if (existing.uid !== uid || existing.gid !== gid) {
      throw new Error(
        `volume "${volume}" is written by ${existing.workloads.join(", ")} as ${existing.uid}:${existing.gid} ` +
          `and by ${workload} as ${uid}:${gid}; writers of one volume must share a uid:gid`,
      );
    }
    if (!existing.workloads.includes(workload)) existing.workloads.push(workload);
  }
  return writers;
}

export interface PlatformVolumeArgs {
  /** The instance the volume belongs to; the Docker volume is named `<instance>-<volume>`. */
  instance: string;
  volume: PersistentVolumeSpec;
  /** Who writes to it; omit when every mount is read-only (no ownership fix then). */
  writer?: VolumeWriter;
  /** imageId for `writer.image`; required with `writer`. */
  writerImageId?: pulumi.Input<string>;
}

/** The Docker volume name: fixed, so a volume kept by `pulumi destroy` is found again by the next `pulumi up`. */
export function dockerVolumeName(instance: string, volume: string): string {
  return `${instance}-${volume}`;
}

/**
 * Labels of a volume that holds state. The local driver has no quota, so the
 * requested size is recorded for whoever inspects or moves the volume.
 */
export function stateVolumeLabels(identity: Parameters<typeof recommendedLabels>[0], size: string) {
  return labelList({
    ...recommendedLabels(identity),
    [HOLDS_STATE_LABEL]: "true",
    "ml-platform.requested-size": size,
  });
}

export class PlatformVolume extends pulumi.ComponentResource {
  readonly volumeName: pulumi.Output<string>;
  /** Resolves once the volume exists and belongs to its writer; rejects if the ownership fix failed. */
  readonly ready: pulumi.Output<pulumi.Resource[]>;

  constructor(name: string, args: PlatformVolumeArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ml-platform:docker:Volume", name, {}, opts);
    try {
      const identity = { instance: args.instance, name: args.volume.name, component: "storage" };
      const volume = new docker.Volume(
        `${name}-volume`,
        {
          name: dockerVolumeName(args.instance, args.volume.name),
          driver: "local",
          labels: stateVolumeLabels(identity, args.volume.size),
        },
        {
          parent: this,
          protect: args.volume.protect,
          retainOnDelete: args.volume.protect,
          // A fixed name cannot exist twice, so a replacement must delete first.
          deleteBeforeReplace: true,
        },
      );
      this.volumeName = volume.name;

      if (args.writer) {
        if (args.writerImageId === undefined)
          throw new pulumi.ResourceError(`${name}: a writer needs writerImageId`, this);
        const owner = `${args.writer.uid}:${args.writer.gid}`;
        const ownership = new docker.Container(
          `${name}-ownership`,
          {
            image: args.writerImageId,
            entrypoints: ["chown", owner, "/volume"],
            user: "0:0",
            mounts: [{ type: "volume", source: volume.name, target: "/volume" }],
            capabilities: { drops: ["ALL"], adds: ["CHOWN"] },
            securityOpts: ["no-new-privileges:true"],
            readOnly: true,
            memory: 32,
            ...cpuLimit(500),
            labels: labelList({
              ...recommendedLabels({ ...identity, component: "volume-ownership" }),
              "ml-platform.owner": owner,
              "ml-platform.writers": args.writer.workloads.join(","),
            }),
            ...RUN_TO_COMPLETION,
          },
          { parent: this },
        );
        this.ready = requireSuccess(
          `Handing volume ${args.volume.name} to ${owner} (${name}-ownership)`,
          ownership,
        ).apply(() => [volume, ownership]);
      } else {
        this.ready = pulumi.output([volume]);
      }
      this.registerOutputs({ volumeName: this.volumeName, ready: this.ready });
    } catch (error) {
      throw asResourceError(error, this);
    }
  }
}
