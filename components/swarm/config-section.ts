/**
 * The swarm target's section of the stack config (`ml-platform:swarm`): the
 * manager, publishing, the database's node label, volumes and rolling updates.
 */
import { z } from "zod";
import { image, name, port, seconds } from "../../config/primitives";

export const swarmConfigSection = z
  .strictObject({
    /** The Swarm manager's Docker address; empty is the local engine's socket, never DOCKER_HOST. */
    host: z.string().default(""),
    serverPort: port.default(4200),
    servingPort: port.default(8080),
    /**
     * "ingress": the routing mesh publishes the ports on every node and balances over the replicas;
     * "host": the node that runs the task binds the port itself (one task per node per port).
     */
    publishMode: z.enum(["ingress", "host"]).default("ingress"),
    /** "vip": one virtual address per service; "dnsrr": the service name resolves to every task (needs host publishing). */
    endpointMode: z.enum(["vip", "dnsrr"]).default("vip"),
    /** The node label (set to "true") that marks the node Postgres and its volume live on. */
    databaseNodeLabel: z
      .string()
      .regex(/^[a-z0-9]([-a-z0-9.]{0,61}[a-z0-9])?$/, "must be a label key: lower-case letters, digits, '-' and '.'")
      .default("ml-platform.database"),
    /** The driver of the data and models volumes; "local" keeps them on one node. */
    volumeDriver: name.default("local"),
    /** Seconds between two replicas of a rolling update, and how long each new one is watched for failure. */
    updateDelaySeconds: seconds(3600).default(10),
    monitorSeconds: seconds(3600).default(30),
    /** The reverse proxy in front of serving's replicas when ports are published in host mode. */
    proxyImage: image.default("nginx:1.27.5-alpine"),
  })
  .prefault({});
