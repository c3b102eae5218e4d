/**
 * One stable address in front of a replicated service: an nginx container,
 * published on 127.0.0.1, that load-balances over the service's network
 * alias. It asks Docker's embedded DNS (127.0.0.11) again every few seconds,
 * so replicas that replace others during an update get traffic as soon as
 * they are up, and retries the next replica when one has just gone away.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { LOGGING, tmpfsFor } from "./container";
import { asResourceError, PlatformContext } from "./context";
import { FileDelivery } from "./file-delivery";
import { labelList, recommendedLabels } from "./labels";
import { LOOPBACK } from "./service";
import { cpuLimit } from "./container";

/** Docker's DNS server inside every user-defined network. */
export const DOCKER_DNS = "127.0.0.11";
/** The proxy listens here inside its container; unprivileged, so nginx runs as its own user. */
export const PROXY_PORT = 8080;
/** The official nginx image's unprivileged user. */
export const NGINX_USER = { uid: 101, gid: 101 };
/** Where the proxy's nginx.conf is delivered, on every Docker-family target. */
export const CONFIG_DIRECTORY = "/etc/ml-platform/proxy";
export const PROXY_MEMORY_MIB = 64;

export interface ProxyUpstream {
  /** Network alias of the replicas. */
  host: string;
  port: number;
  /** Path prefix the service answers under (kept as is when forwarded), e.g. "/serving". */
  pathPrefix: string;
}

/** The nginx configuration; everything writable lives under /tmp, the only writable path. */
export function nginxConfig(upstream: ProxyUpstream, dnsSeconds = 5): string {
  const prefix = upstream.pathPrefix.replace(/\/+$/, "") || "/";
  return `# Written by ml-platform: the serving proxy.
# Two workers are plenty for one developer and stay well inside the memory limit.
worker_processes 2;
pid /tmp/nginx.pid;
error_log /dev/stderr warn;

events {
  worker_connections 1024;
}

http {
  access_log /dev/stdout;
  client_body_temp_path /tmp/client_body;
  proxy_temp_path /tmp/proxy;
  fastcgi_temp_path /tmp/fastcgi;
  uwsgi_temp_path /tmp/uwsgi;
  scgi_temp_path /tmp/scgi;
  server_tokens off;

  # Re-resolve the replicas' alias every ${dnsSeconds}s so new replicas get traffic and removed ones stop.
  resolver ${DOCKER_DNS} valid=${dnsSeconds}s ipv6=off;
  resolver_timeout 2s;

  server {
    listen ${PROXY_PORT};

    location = /proxy-health {
      access_log off;
      return 200 "ok\\n";
    }

    location ${prefix} {
      # A variable makes nginx resolve at request time instead of once at start.
      set $replicas ${upstream.host}:${upstream.port};
      proxy_pass http://$replicas;
      proxy_http_version 1.1;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
      proxy_connect_timeout 2s;
      proxy_read_timeout 120s;
      # A prediction changes nothing, so even a POST may go to the next replica when one fails mid-request.
      proxy_next_upstream error timeout http_502 http_503 non_idempotent;
      proxy_next_upstream_tries 3;
    }
  }
}
`;
}

export interface ServingProxyArgs {
  context: PlatformContext;
  /** The proxy image (nginx), pinned. */
  image: string;
  /** The service behind the proxy. */
  upstream: ProxyUpstream;
  /** Name of the service behind it, for labels. */
  service: string;
  /** Host port the proxy publishes, bound to 127.0.0.1. */
  hostPort: number;
  /** The replicas; the proxy starts once they are healthy. */
  after?: pulumi.Input<pulumi.Resource[]>;
}

export class ServingProxy extends pulumi.ComponentResource {
  readonly container: docker.Container;
  /** The URL users reach the service at. */
  readonly url: string;

  constructor(name: string, args: ServingProxyArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ml-platform:docker:ServingProxy", name, {}, opts);
    try {
      const { context, upstream } = args;
      const identity = { instance: context.instance, name: `${args.service}-proxy`, component: "proxy" };
      const imageId = context.imageId(args.image);
      const files = new FileDelivery(
        `${name}-files`,
        {
          image: imageId,
          directories: [
            { path: CONFIG_DIRECTORY, files: [{ name: "nginx.conf", content: nginxConfig(upstream), mode: "0444" }] },
          ],
          identity,
        },
        { parent: this },
      );
      this.container = new docker.Container(
        `${name}-nginx`,
        {
          image: imageId,
          // Straight to nginx: the image's entrypoint scripts rewrite files under /etc, which is read-only here.
          entrypoints: ["nginx", "-e", "/dev/stderr", "-c", `${CONFIG_DIRECTORY}/nginx.conf`, "-g", "daemon off;"],
          user: `${NGINX_USER.uid}:${NGINX_USER.gid}`,
          readOnly: true,
          tmpfs: tmpfsFor(["/tmp"], PROXY_MEMORY_MIB),
          capabilities: { drops: ["ALL"] },
          securityOpts: ["no-new-privileges:true"],
          init: true,
          memory: PROXY_MEMORY_MIB,
          memorySwap: PROXY_MEMORY_MIB,
          ...cpuLimit(500),
          mounts: files.mounts,
          networksAdvanced: [{ name: context.networkName, aliases: [identity.name] }],
          ports: [{ internal: PROXY_PORT, external: args.hostPort, ip: LOOPBACK, protocol: "tcp" }],
          // The nginx image has busybox wget, not python.
          healthcheck: {
            tests: ["CMD", "wget", "-q", "-O", "/dev/null", `http://127.0.0.1:${PROXY_PORT}/proxy-health`],
            interval: "5s",
            timeout: "3s",
            retries: 3,
            startPeriod: "10s",
          },
          wait: true,
          waitTimeout: 90,
          restart: "unless-stopped",
          destroyGraceSeconds: 15,
          stopTimeout: 15,
          labels: labelList({ ...recommendedLabels(identity), "ml-platform.files-revision": files.revision }),
          ...LOGGING,
        },
        // The host port cannot be bound twice: the old proxy goes first.
        {
          parent: this,
          deleteBeforeReplace: true,
          dependsOn: pulumi.all([args.after ?? [], files.ready]).apply((lists) => lists.flat()),
        },
      );
      this.url = `http://${LOOPBACK}:${args.hostPort}${upstream.pathPrefix.replace(/\/+$/, "")}`;
      this.registerOutputs({ url: this.url, container: this.container.name });
    } catch (error) {
      throw asResourceError(error, this);
    }
  }
}
