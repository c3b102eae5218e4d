/**
 * Secrets live only in Secret objects (Kubernetes) and secret files (Docker
 * uploads): never in a plain environment value, a ConfigMap, a label, an
 * annotation or a command line, where anyone who can read the object (or
 * `docker inspect`) reads the secret.
 */
import { ContainerView, NamedValue, PodTemplate } from "../../components/resource-views";
import { TARGET_VIEWS } from "../../components/target-views";
import { alwaysMandatory, PolicyContext, PolicySubject, Rule } from "./model";
import { credentialShape, plainSecretValue } from "./secret-values";
import { listAt, recordAt, stringAt, stringLeaves, StringLeaf } from "./values";

/** Resources whose job is to hold secrets (a target's secret objects), or that Pulumi itself encrypts. */
function holdsSecretsByDesign(subject: PolicySubject): boolean {
  const type = subject.type;
  return (
    TARGET_VIEWS.role(subject) === "secret-store" ||
    type.startsWith("random:") ||
    type.startsWith("pulumi:providers:") ||
    type === "pulumi:pulumi:Stack" ||
    type === "pulumi:pulumi:StackReference"
  );
}

const BASE64 = /^[A-Za-z0-9+/]{16,}={0,2}$/;

function decoded(text: string): string | undefined {
  if (!BASE64.test(text) || text.length % 4 !== 0) return undefined;
  return Buffer.from(text, "base64").toString("utf8");
}

function knownSecretLeaks(
  subject: PolicySubject,
  container: ContainerView | undefined,
  context: PolicyContext,
): string[] {
  const allowed = (leaf: StringLeaf) => container?.receivesFileAt(leaf.path) === true;
  return stringLeaves(subject.props)
    .filter((leaf) => !allowed(leaf))
    .filter((leaf) => context.containsSecret(leaf.value) || context.containsSecret(decoded(leaf.value) ?? ""))
    .map((leaf) => `a secret value is written in plain text at ${leaf.path}`);
}

/** Values already reported as a known secret; the name- and shape-based checks skip them. */
type Reported = (text: string) => boolean;

function envViolations(
  template: PodTemplate | undefined,
  container: ContainerView | undefined,
  reported: Reported,
): string[] {
  const pod = template
    ? template.containers.flatMap((podContainer) =>
        listAt(podContainer.spec, "env")
          .map((env, index) => ({ env, index }))
          .filter(({ env }) => typeof stringAt(env, "value") === "string")
          .flatMap(({ env, index }) => {
            const name = stringAt(env, "name") ?? "";
            const value = stringAt(env, "value") ?? "";
            const why = reported(value) ? undefined : plainSecretValue(name, value);
            return why
              ? [
                  `env ${name} of container "${podContainer.name}" holds ${why} (${podContainer.path}.env[${index}].value); use valueFrom.secretKeyRef`,
                ]
              : [];
          }),
      )
    : [];
  const own = container
    ? container.env.flatMap(({ name, value, path }) => {
        const why = reported(value) ? undefined : plainSecretValue(name, value);
        return why ? [`env ${name} holds ${why} (${path}); ${container.secretDelivery}`] : [];
      })
    : [];
  return [...pod, ...own];
}

function configMapViolations(subject: PolicySubject, reported: Reported): string[] {
  if (TARGET_VIEWS.role(subject) !== "plain-config") return [];
  const data = Object.entries(recordAt(subject.props, "data")).flatMap(([key, value]) => {
    const why = typeof value === "string" && !reported(value) ? plainSecretValue(key, value) : undefined;
    return why ? [`ConfigMap key "${key}" holds ${why} (data.${key}); put it in a Secret`] : [];
  });
  const binary = Object.entries(recordAt(subject.props, "binaryData")).flatMap(([key, value]) => {
    const why = typeof value === "string" ? credentialShape(decoded(value) ?? "") : undefined;
    return why ? [`ConfigMap key "${key}" holds ${why} (binaryData.${key}); put it in a Secret`] : [];
  });
  return [...data, ...binary];
}

/** A container's labels are its own; any other resource's are its labels and annotations. */
function labelViolations(subject: PolicySubject, container: ContainerView | undefined, reported: Reported): string[] {
  const labels: NamedValue[] = container ? container.labels : (TARGET_VIEWS.labels(subject) ?? []);
  return labels.flatMap(({ path, value, name }) => {
    const why = reported(value) ? undefined : plainSecretValue(name, value);
    return why ? [`label or annotation ${name} holds ${why} (${path})`] : [];
  });
}

function commandLineViolations(template: PodTemplate | undefined, container: ContainerView | undefined): string[] {
  const lines: StringLeaf[] = template
    ? template.containers.flatMap((podContainer) => [
        ...stringLeaves(listAt(podContainer.spec, "command"), `${podContainer.path}.command`),
        ...stringLeaves(listAt(podContainer.spec, "args"), `${podContainer.path}.args`),
      ])
    : (container?.commandLine ?? []);
  return lines.flatMap(({ path, value }) => {
    const why = credentialShape(value);
    return why
      ? [`the command line holds ${why} (${path}); read it from a secret file or a secret-backed variable`]
      : [];
  });
}

export const noPlaintextSecrets: Rule = {
  name: "no-plaintext-secrets",
  description:
    "Secret values appear only in Secret objects or secret files: never in plain env values, ConfigMaps, labels, annotations or command lines.",
  remediation:
    "Kubernetes: keep the value in a Secret and use env valueFrom.secretKeyRef or a secret volume. Docker: write it into the container with uploads and point the image's *_FILE variable at it.",
  enforcement: alwaysMandatory,
  scope: "stack",
  check: (subject, context) => {
    if (holdsSecretsByDesign(subject)) return [];
    const template = TARGET_VIEWS.podTemplate(subject);
    const container = TARGET_VIEWS.container(subject);
    const found = [
      ...knownSecretLeaks(subject, container, context),
      ...envViolations(template, container, context.containsSecret),
      ...configMapViolations(subject, context.containsSecret),
      ...labelViolations(subject, container, context.containsSecret),
      ...commandLineViolations(template, container),
    ];
    return [...new Set(found)];
  },
};
