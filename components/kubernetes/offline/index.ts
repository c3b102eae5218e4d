/**
 * The kubernetes target's offline render: manifests/, one file per object,
 * and, when the platform has Secrets, secrets.yaml with their real values and
 * the secrets file (.env) that keeps the passwords they are made from, so the
 * render deploys with `kubectl apply` where no Pulumi engine runs.
 */
import * as fs from "fs";
import * as path from "path";
import type { TargetOfflineRender } from "../../offline-render";
import { SECRETS_FILE } from "../../../tools/render/generated-passwords";
import { offlineKubeconfig } from "./kubeconfig";
import { manifests, MANIFESTS_DIRECTORY } from "./manifests";
import { kubernetesMockState } from "./mock-state";
import {
  hasKubernetesSecrets,
  isKubernetesSecret,
  KUBERNETES_SECRETS_FILE,
  kubernetesSecretsFiles,
} from "./secrets-file";

export const offlineRender: TargetOfflineRender = {
  mockState: kubernetesMockState,
  // Only secrets.yaml places secrets; the manifests keep their Secrets masked.
  placesSecrets: isKubernetesSecret,
  offlineConfig: offlineKubeconfig,
  writeFiles(render, folder, previousSecrets) {
    const objects = manifests(render);
    if (objects.size > 0) {
      fs.mkdirSync(path.join(folder, MANIFESTS_DIRECTORY));
      for (const [file, text] of objects) fs.writeFileSync(path.join(folder, MANIFESTS_DIRECTORY, file), text);
    }
    if (hasKubernetesSecrets(render)) {
      const files = kubernetesSecretsFiles(render, previousSecrets);
      fs.writeFileSync(path.join(folder, SECRETS_FILE), files.env, { mode: 0o600 });
      fs.writeFileSync(path.join(folder, KUBERNETES_SECRETS_FILE), files.yaml, { mode: 0o600 });
    }
  },
};
