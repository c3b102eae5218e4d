/**
 * Secrets live only in Secret objects (Kubernetes) and secret files (Docker
 * uploads): never in a plain environment value, a ConfigMap, a label, an
 * annotation or a command line, where anyone who can read the object (or
 * `docker inspect`) reads the secret.
 */
import { asContainer, DOCKER, envsOf } from "../../components/docker/resource-views";
import { containersOf, KUBERNETES, podTemplateOf } from "../../components/kubernetes/resource-views";
import { alwaysMandatory, PolicyContext, PolicySubject, Rule } from "./model";
import { credentialShape, plainSecretValue } from "./secret-values";
import { isRecord, listAt, recordAt, stringAt, stringLeaves, StringLeaf } from "./values";

/** Resources whose job is to hold secrets, or that Pulumi itself encrypts. */
function holdsSecretsByDesign(type: string): boolean {
  return (
    type === KUBERNETES.secret ||
    type === "docker:index/secret:Secret" ||
    type.startsWith("random:") ||
    type.startsWith("pulumi:providers:") ||
    type === "pulumi:pulumi:Stack" ||
    type === "pulumi:pulumi:StackReference"
  );
}

/** Docker writes uploads into the container's filesystem: the secret-file route (one file, or the whole list when it is secret). */
const SECRET_FILE_PATH = /^uploads(\[\d+\](\.(content|contentBase64|source))?)?$/;

const BASE64 = /^[A-Za-z0-9+/]{16,}={0,2}$/;

function decoded(text: string): string | undefined {
  if (!BASE64.test(text) || text.length % 4 !== 0) return undefined;
  return Buffer.from(text, "base64").toString("utf8");
}

function knownSecretLeaks(subject: PolicySubject, context: PolicyContext): string[] {
  const allowed = (leaf: StringLeaf) => subject.type === DOCKER.container && SECRET_FILE_PATH.test(leaf.path);
  return stringLeaves(subject.props)
    .filter((leaf) => !allowed(leaf))
    .filter((leaf) => context.containsSecret(leaf.value) || context.containsSecret(decoded(leaf.value) ?? ""))
    .map((leaf) => `a secret value is written in plain text at ${leaf.path}`);
}

/** Values already reported as a known secret; the name- and shape-based checks skip them. */
type Reported = (text: string) => boolean;

function envViolations(subject: PolicySubject, reported: Reported): string[] {
  const template = podTemplateOf(subject);
  const kubernetes = template
    ? containersOf(template).flatMap((container) =>
        listAt(container.spec, "env")
          .map((env, index) => ({ env, index }))
          .filter(({ env }) => typeof stringAt(env, "value") === "string")
          .flatMap(({ env, index }) => {
            const name = stringAt(env, "name") ?? "";
            const value = stringAt(env, "value") ?? "";
            const why = reported(value) ? undefined : plainSecretValue(name, value);
            return why
              ? [
                  `env ${name} of container "${container.name}" holds ${why} (${container.path}.env[${index}].value); use valueFrom.secretKeyRef`,
                ]
              : [];
          }),
      )
    : [];
  const docker =
    subject.type === DOCKER.container
      ? envsOf(subject).flatMap(({ name, value, path }) => {
          const why = reported(value) ? undefined : plainSecretValue(name, value);
          return why ? [`env ${name} holds ${why} (${path}); deliver it as a file with uploads`] : [];
        })
      : [];
  return [...kubernetes, ...docker];
}

function configMapViolations(subject: PolicySubject, reported: Reported): string[] {
  if (subject.type !== KUBERNETES.configMap) return [];
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

/** Labels and annotations of every metadata block in a Kubernetes object (its own, pod templates, claim templates). */
function metadataLeaves(value: unknown, path = ""): StringLeaf[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => metadataLeaves(item, `${path}[${index}]`));
  if (!isRecord(value)) return [];
  return Object.entries(value).flatMap(([key, child]) => {
    const childPath = path ? `${path}.${key}` : key;
    if (key === "metadata" && isRecord(child)) {
      return [
        ...stringLeaves(recordAt(child, "labels"), `${childPath}.labels`),
        ...stringLeaves(recordAt(child, "annotations"), `${childPath}.annotations`),
      ];
    }
    return metadataLeaves(child, childPath);
  });
}

function labelViolations(subject: PolicySubject, reported: Reported): string[] {
  const kubernetes = subject.type.startsWith("kubernetes:")
    ? metadataLeaves(subject.props).map((leaf) => ({ ...leaf, name: leaf.path.split(".").pop() ?? "" }))
    : [];
  const docker = subject.type.startsWith("docker:")
    ? listAt(subject.props, "labels").flatMap((label, index) =>
        typeof stringAt(label, "value") === "string"
          ? [
              {
                path: `labels[${index}].value`,
                value: stringAt(label, "value") ?? "",
                name: stringAt(label, "label") ?? "",
              },
            ]
          : [],
      )
    : [];
  return [...kubernetes, ...docker].flatMap(({ path, value, name }) => {
    const why = reported(value) ? undefined : plainSecretValue(name, value);
    return why ? [`label or annotation ${name} holds ${why} (${path})`] : [];
  });
}

function commandLineViolations(subject: PolicySubject): string[] {
  const template = podTemplateOf(subject);
  const lines: StringLeaf[] = template
    ? containersOf(template).flatMap((container) => [
        ...stringLeaves(listAt(container.spec, "command"), `${container.path}.command`),
        ...stringLeaves(listAt(container.spec, "args"), `${container.path}.args`),
      ])
    : subject.type === DOCKER.container
      ? [
          ...stringLeaves(listAt(subject.props, "command"), "command"),
          ...stringLeaves(listAt(subject.props, "entrypoints"), "entrypoints"),
        ]
      : [];
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
    if (holdsSecretsByDesign(subject.type)) return [];
    // A Swarm service's environment, labels and command line are its task's container's.
    const container = asContainer(subject);
    const found = [
      ...knownSecretLeaks(subject, context),
      ...envViolations(container, context.containsSecret),
      ...configMapViolations(subject, context.containsSecret),
      ...labelViolations(container, context.containsSecret),
      ...commandLineViolations(container),
    ];
    return [...new Set(found)];
  },
};
