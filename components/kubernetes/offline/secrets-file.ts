/**
 * secrets.yaml beside a Kubernetes render's manifests (mode 0600): the
 * platform's Secrets with real values, so `manifests/` (Secrets left out) plus
 * this file deploy with `kubectl apply` where no Pulumi engine runs. The
 * manifests keep their masked Secrets for review; this file is the only place
 * values are written, built from the passwords kept in .env.
 */
import { stringify } from "yaml";
import {
  assembleSecret,
  generatedLengths,
  keptPasswords,
  passwordLines,
  secretParts,
} from "../../../tools/render/generated-passwords";
import { Render, RenderedResource, SecretValue } from "../../../tools/render/model";
import { KUBERNETES } from "../resource-views";

export const KUBERNETES_SECRETS_FILE = "secrets.yaml";
const SECRET_TYPE = KUBERNETES.secret;

export class KubernetesSecretsError extends Error {}

/** Whether a resource type is the Secret, whose values this file places. */
export function isKubernetesSecret(type: string): boolean {
  return type === SECRET_TYPE;
}

export function hasKubernetesSecrets(render: Render): boolean {
  return render.resources.some((resource) => isKubernetesSecret(resource.type));
}

/** The Secret's stringData with each generated password's stand-in replaced by the kept password. */
function realStringData(
  render: Render,
  resource: RenderedResource,
  passwords: Map<string, string>,
): Record<string, string> {
  const stringData = resource.secretAwareInputs?.stringData;
  const values = stringData instanceof SecretValue ? stringData.mockValue : stringData;
  if (values === null || typeof values !== "object" || Array.isArray(values))
    throw new KubernetesSecretsError(`${resource.name}: its stringData is not a map of strings`);
  const real: Record<string, string> = {};
  for (const [key, value] of Object.entries(values as Record<string, unknown>)) {
    if (typeof value !== "string") throw new KubernetesSecretsError(`${resource.name}: ${key} is not a string`);
    const parts = secretParts(value, render.generatedSecrets ?? []);
    // Every value the platform keeps in a Secret is generated or made from generated passwords,
    // but for fixed parts such as a user name; a value with none is such a fixed part of the program.
    real[key] = parts ? assembleSecret(parts, passwords, `${resource.name} ${key}`) : value;
  }
  return real;
}

/**
 * The new .env (kept passwords) and secrets.yaml. A Secret with no fixed name gets its resource
 * name, which is the name the render's references to it use.
 */
export function kubernetesSecretsFiles(render: Render, existingEnv: string | undefined): { env: string; yaml: string } {
  const passwords = keptPasswords(generatedLengths(render.generatedSecrets ?? []), existingEnv);
  const documents = render.resources
    .filter((resource) => isKubernetesSecret(resource.type))
    .map((resource) => {
      const metadata = (resource.inputs.metadata ?? {}) as Record<string, unknown>;
      const { stringData: _masked, ...rest } = resource.inputs;
      return stringify(
        {
          ...rest,
          metadata: { ...metadata, name: metadata.name ?? resource.name },
          stringData: realStringData(render, resource, passwords),
        },
        { sortMapEntries: true, lineWidth: 0 },
      );
    });
  const header = [
    "# The platform's Secrets with real values (generated once, kept in .env beside this file).",
    "# Deploy without Pulumi: kubectl apply -f secrets.yaml, then every file in manifests/ but the masked Secrets.",
    "",
  ].join("\n");
  return { env: `${passwordLines(passwords).join("\n")}\n`, yaml: header + documents.join("---\n") };
}
