/**
 * One published address in front of a replicated service when ports are
 * published in host mode, where each node binds a port for one task only: an
 * nginx service that forwards to the service's name on the overlay network.
 * It asks Swarm's DNS (127.0.0.11) again every few seconds, so with
 * endpointMode dnsrr the tasks that replace others during an update get
 * traffic as soon as they are up, and it retries the next task when one has
 * just gone away. With the routing mesh (ingress) no proxy is needed: Swarm
 * balances the published port over the healthy tasks itself.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { asResourceError } from "../docker/context";
import {
  CONFIG_DIRECTORY,
  NGINX_USER,
  nginxConfig,
  PROXY_MEMORY_MIB,
  PROXY_PORT,
  ProxyUpstream,
} from "../docker/serving-proxy";
import { SwarmContext } from "./context";
import { ALWAYS_RESTART, rollbackConfig, updateConfig } from "./service";
import { LOG_DRIVER, serviceLabels, serviceName, tmpfsMounts } from "./task";
import { labelList, recommendedLabels } from "../docker/labels";

export interface SwarmProxyArgs {
  context: SwarmContext;
  image: string;
  upstream: ProxyUpstream;
  /** Name of the service behind it. */
  service: string;
  publishedPort: number;
}

export class SwarmProxy extends pulumi.ComponentResource {
  readonly service: docker.Service;

  constructor(name: string, args: SwarmProxyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ml-platform:swarm:Proxy", name, {}, opts);
    try {
      const { context, upstream } = args;
      const workload = `${args.service}-proxy`;
      const identity = { instance: context.instance, name: workload, component: "proxy" };
      const config = context.files.config(
        { name: workload, directory: CONFIG_DIRECTORY, files: { "nginx.conf": nginxConfig(upstream) } },
        "nginx.conf",
      );
      this.service = new docker.Service(
        `${name}-service`,
        {
          name: serviceName(context, workload),
          labels: serviceLabels(identity),
          taskSpec: {
            containerSpec: {
              image: args.image,
              // Straight to nginx: the image's entrypoint scripts rewrite files under /etc, which is read-only here.
              commands: ["nginx", "-e", "/dev/stderr", "-c", `${CONFIG_DIRECTORY}/nginx.conf`, "-g", "daemon off;"],
              user: `${NGINX_USER.uid}:${NGINX_USER.gid}`,
              readOnly: true,
              capDrops: ["ALL"],
              init: true,
              mounts: tmpfsMounts(["/tmp"], PROXY_MEMORY_MIB),
              configs: [
                {
                  configId: config.id,
                  configName: config.name,
                  fileName: `${CONFIG_DIRECTORY}/nginx.conf`,
                  fileUid: "0",
                  fileGid: "0",
                  fileMode: 0o444,
                },
              ],
              // The nginx image has busybox wget, not python.
              healthcheck: {
                tests: ["CMD", "wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${PROXY_PORT}/proxy-health`],
                interval: "5s",
                timeout: "3s",
                retries: 3,
                startPeriod: "10s",
              },
              stopGracePeriod: "15s",
              labels: labelList(recommendedLabels(identity)),
            },
            resources: {
              limits: { nanoCpus: 500_000_000, memoryBytes: PROXY_MEMORY_MIB * 1024 * 1024 },
              reservation: { nanoCpus: 50_000_000, memoryBytes: 32 * 1024 * 1024 },
            },
            restartPolicy: ALWAYS_RESTART,
            networksAdvanceds: [{ name: context.networkId, aliases: [workload] }],
            logDriver: LOG_DRIVER,
          },
          mode: { replicated: { replicas: 1 } },
          // The node binds the published port for one task at a time: the old proxy stops first.
          updateConfig: updateConfig(context, "stop-first"),
          rollbackConfig: rollbackConfig(context, "stop-first"),
          endpointSpec: {
            mode: context.endpointMode,
            ports: [
              {
                targetPort: PROXY_PORT,
                publishedPort: args.publishedPort,
                publishMode: context.publishMode,
                protocol: "tcp",
              },
            ],
          },
        },
        { parent: this, deleteBeforeReplace: true },
      );
      this.registerOutputs({ service: this.service.name });
    } catch (error) {
      throw asResourceError(error, this);
    }
  }
}
