/**
 * The Docker target (stack `dev`): the whole platform as containers on one
 * Docker host. See platform.ts for what is built and the modules beside it
 * for how each workload kind maps to Docker.
 */
import { DeployPlatform } from "../target";
import { DockerPlatform } from "./platform";
import { withDockerProvider } from "./provider";
import { DockerSettings } from "./settings";

export const deployPlatform: DeployPlatform<DockerSettings> = (name, args, opts) =>
  new DockerPlatform(name, args, withDockerProvider(name, args.settings.host, opts)).endpoints;
