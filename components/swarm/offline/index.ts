/**
 * The swarm target's offline render: docker-stack.yml, which `docker stack
 * deploy` deploys as `pulumi up` would, with the secret and config files it
 * reads and the secrets file (.env). Its provider is the docker target's.
 */
import * as fs from "fs";
import * as path from "path";
import type { TargetOfflineRender } from "../../offline-render";
import { dockerMockState, placesDockerSecrets } from "../../docker/offline/docker-provider";
import { STACK_FILE, stackProject } from "./stack-file";
import { writeStackFiles } from "./stack-secrets";

export const offlineRender: TargetOfflineRender = {
  mockState: dockerMockState,
  placesSecrets: placesDockerSecrets,
  writeFiles(render, folder, previousSecrets) {
    const project = stackProject(render);
    fs.writeFileSync(path.join(folder, STACK_FILE), project.yaml);
    writeStackFiles(project, folder, previousSecrets);
  },
};
