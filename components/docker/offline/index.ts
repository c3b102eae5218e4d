/**
 * The docker target's offline render: compose.yaml, which `docker compose up`
 * deploys as `pulumi up` would, and its secrets file (.env).
 */
import * as fs from "fs";
import * as path from "path";
import type { TargetOfflineRender } from "../../offline-render";
import { SECRETS_FILE } from "../../../tools/render/generated-passwords";
import { composeProject } from "./compose";
import { secretsFileText } from "./compose-secrets";
import { dockerMockState, placesDockerSecrets } from "./docker-provider";

export const COMPOSE_FILE = "compose.yaml";

export const offlineRender: TargetOfflineRender = {
  mockState: dockerMockState,
  placesSecrets: placesDockerSecrets,
  writeFiles(render, folder, previousSecrets) {
    const project = composeProject(render);
    fs.writeFileSync(path.join(folder, COMPOSE_FILE), project.yaml);
    fs.writeFileSync(path.join(folder, SECRETS_FILE), secretsFileText(project, previousSecrets), { mode: 0o600 });
  },
};
