/**
 * The docker target's section of the stack config (`ml-platform:docker`): the
 * Docker host, the published ports, GPU support, the serving proxy's image and
 * the workers' opt-in to the host's Docker socket.
 */
import { z } from "zod";
import { image, port } from "../../config/primitives";

export const dockerConfigSection = z
  .strictObject({
    /** Docker daemon address; empty uses the provider's default (DOCKER_HOST or the local socket). */
    host: z.string().default(""),
    serverHostPort: port.default(4200),
    servingHostPort: port.default(8080),
    /** Whether the host's Docker has the NVIDIA runtime for GPU device requests. */
    gpuSupport: z.boolean().default(false),
    /** The reverse proxy that gives the serving replicas one published address. */
    proxyImage: image.default("nginx:1.27.5-alpine"),
    /** A docker-type work pool through the host's Docker socket, which is root on the host: an explicit opt-in. */
    workerDockerSocket: z.boolean().default(false),
  })
  .prefault({});
