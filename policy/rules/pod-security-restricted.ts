/**
 * Every pod meets the Kubernetes Pod Security Standards "restricted" profile
 * (which includes "baseline"), checked control by control as the Pod Security
 * admission controller does, so a namespace labelled
 * pod-security.kubernetes.io/enforce=restricted admits everything we render.
 */
import { PodContainer as Container, PodTemplate } from "../../components/resource-views";
import { TARGET_VIEWS } from "../../components/target-views";
import { PolicySubject, Rule, stricterInProduction } from "./model";
import { isRecord, listAt, recordAt, stringAt, valueAt } from "./values";

/** Volume types the restricted profile allows; exported so the tests check rendered pods against the same list. */
export const RESTRICTED_VOLUME_TYPES: ReadonlySet<string> = new Set([
  "configMap",
  "csi",
  "downwardAPI",
  "emptyDir",
  "ephemeral",
  "image",
  "persistentVolumeClaim",
  "projected",
  "secret",
]);

const SAFE_SYSCTLS = new Set([
  "kernel.shm_rmid_forced",
  "net.ipv4.ip_local_port_range",
  "net.ipv4.ip_unprivileged_port_start",
  "net.ipv4.tcp_syncookies",
  "net.ipv4.ping_group_range",
  "net.ipv4.ip_local_reserved_ports",
  "net.ipv4.tcp_keepalive_time",
  "net.ipv4.tcp_fin_timeout",
  "net.ipv4.tcp_keepalive_intvl",
  "net.ipv4.tcp_keepalive_probes",
]);

const SELINUX_TYPES = new Set(["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"]);

interface Checked {
  template: PodTemplate;
  pod: Record<string, unknown>;
  podPath: string;
  containers: Container[];
}

type Control = (checked: Checked) => string[];

const where = (container: Container, field: string) => `${container.path}.${field}`;

const hostProcess: Control = ({ pod, podPath, containers }) => [
  ...(valueAt(pod, "windowsOptions", "hostProcess") === true
    ? [`HostProcess: ${podPath}.windowsOptions.hostProcess is true`]
    : []),
  ...containers
    .filter((c) => valueAt(c.spec, "securityContext", "windowsOptions", "hostProcess") === true)
    .map((c) => `HostProcess: ${where(c, "securityContext.windowsOptions.hostProcess")} is true`),
];

const hostNamespaces: Control = ({ template }) =>
  ["hostNetwork", "hostPID", "hostIPC"]
    .filter((field) => valueAt(template.spec, field) === true)
    .map((field) => `Host namespaces: ${template.specPath}.${field} is true`);

const privileged: Control = ({ containers }) =>
  containers
    .filter((c) => valueAt(c.spec, "securityContext", "privileged") === true)
    .map((c) => `Privileged: ${where(c, "securityContext.privileged")} is true`);

const hostPathVolumes: Control = ({ template }) =>
  listAt(template.spec, "volumes")
    .map((volume, index) => ({ volume, index }))
    .filter(({ volume }) => isRecord(volume) && "hostPath" in volume)
    .map(({ index }) => `HostPath volumes: ${template.specPath}.volumes[${index}] is a hostPath volume`);

const hostPorts: Control = ({ containers }) =>
  containers.flatMap((c) =>
    listAt(c.spec, "ports")
      .map((port, index) => ({ hostPort: valueAt(port, "hostPort"), index }))
      .filter(({ hostPort }) => hostPort !== undefined && hostPort !== null && hostPort !== 0)
      .map(({ hostPort, index }) => `Host ports: ${where(c, `ports[${index}].hostPort`)} is ${String(hostPort)}`),
  );

function appArmorProblem(profile: unknown, path: string): string[] {
  const type = stringAt(profile, "type");
  return type === undefined || type === "RuntimeDefault" || type === "Localhost"
    ? []
    : [`AppArmor: ${path}.type is ${type}`];
}

const appArmor: Control = ({ template, pod, podPath, containers }) => {
  const annotations = recordAt(template.metadata, "annotations");
  const annotated = Object.entries(annotations)
    .filter(([key]) => key.startsWith("container.apparmor.security.beta.kubernetes.io/"))
    .filter(
      ([, value]) => !(value === "runtime/default" || (typeof value === "string" && value.startsWith("localhost/"))),
    )
    .map(([key, value]) => `AppArmor: annotation ${key} is ${String(value)}`);
  return [
    ...appArmorProblem(valueAt(pod, "appArmorProfile"), `${podPath}.appArmorProfile`),
    ...containers.flatMap((c) =>
      appArmorProblem(
        valueAt(c.spec, "securityContext", "appArmorProfile"),
        where(c, "securityContext.appArmorProfile"),
      ),
    ),
    ...annotated,
  ];
};

function seLinuxProblem(options: unknown, path: string): string[] {
  if (!isRecord(options)) return [];
  const problems: string[] = [];
  const type = stringAt(options, "type");
  if (type !== undefined && !SELINUX_TYPES.has(type)) problems.push(`SELinux: ${path}.type is ${type}`);
  for (const field of ["user", "role"]) {
    const value = stringAt(options, field);
    if (value !== undefined && value !== "") problems.push(`SELinux: ${path}.${field} is set (${value})`);
  }
  return problems;
}

const seLinux: Control = ({ pod, podPath, containers }) => [
  ...seLinuxProblem(valueAt(pod, "seLinuxOptions"), `${podPath}.seLinuxOptions`),
  ...containers.flatMap((c) =>
    seLinuxProblem(valueAt(c.spec, "securityContext", "seLinuxOptions"), where(c, "securityContext.seLinuxOptions")),
  ),
];

const procMount: Control = ({ containers }) =>
  containers
    .filter((c) => {
      const mount = valueAt(c.spec, "securityContext", "procMount");
      return mount !== undefined && mount !== "Default";
    })
    .map(
      (c) =>
        `/proc mount: ${where(c, "securityContext.procMount")} is ${String(valueAt(c.spec, "securityContext", "procMount"))}`,
    );

const sysctls: Control = ({ pod, podPath }) =>
  listAt(pod, "sysctls")
    .map((sysctl, index) => ({ name: stringAt(sysctl, "name") ?? "", index }))
    .filter(({ name }) => !SAFE_SYSCTLS.has(name))
    .map(({ name, index }) => `Sysctls: ${podPath}.sysctls[${index}] sets the unsafe sysctl ${name}`);

const volumeTypes: Control = ({ template }) =>
  listAt(template.spec, "volumes").flatMap((volume, index) => {
    if (!isRecord(volume)) return [];
    const types = Object.keys(volume).filter((key) => key !== "name");
    return types
      .filter((type) => !RESTRICTED_VOLUME_TYPES.has(type))
      .map((type) => `Volume types: ${template.specPath}.volumes[${index}] is a ${type} volume`);
  });

const privilegeEscalation: Control = ({ containers }) =>
  containers
    .filter((c) => valueAt(c.spec, "securityContext", "allowPrivilegeEscalation") !== false)
    .map((c) => `Privilege escalation: ${where(c, "securityContext.allowPrivilegeEscalation")} must be false`);

const runAsNonRoot: Control = ({ pod, podPath, containers }) => {
  const podLevel = valueAt(pod, "runAsNonRoot");
  const problems = containers
    .filter((c) => {
      const own = valueAt(c.spec, "securityContext", "runAsNonRoot");
      return own === false || (own !== true && podLevel !== true);
    })
    .map(
      (c) =>
        `Running as non-root: ${where(c, "securityContext.runAsNonRoot")} (or ${podPath}.runAsNonRoot) must be true`,
    );
  return podLevel === false ? [`Running as non-root: ${podPath}.runAsNonRoot is false`, ...problems] : problems;
};

const runAsUser: Control = ({ pod, podPath, containers }) => [
  ...(valueAt(pod, "runAsUser") === 0 ? [`Running as non-root user: ${podPath}.runAsUser is 0`] : []),
  ...containers
    .filter((c) => valueAt(c.spec, "securityContext", "runAsUser") === 0)
    .map((c) => `Running as non-root user: ${where(c, "securityContext.runAsUser")} is 0`),
];

const seccomp: Control = ({ pod, podPath, containers }) => {
  const allowed = (type: unknown) => type === "RuntimeDefault" || type === "Localhost";
  const podType = valueAt(pod, "seccompProfile", "type");
  const problems: string[] = [];
  if (podType !== undefined && !allowed(podType))
    problems.push(`Seccomp: ${podPath}.seccompProfile.type is ${String(podType)}`);
  for (const c of containers) {
    const own = valueAt(c.spec, "securityContext", "seccompProfile", "type");
    if (own !== undefined && !allowed(own))
      problems.push(`Seccomp: ${where(c, "securityContext.seccompProfile.type")} is ${String(own)}`);
    else if (own === undefined && !allowed(podType)) {
      problems.push(
        `Seccomp: ${where(c, "securityContext.seccompProfile.type")} (or ${podPath}.seccompProfile.type) must be RuntimeDefault or Localhost`,
      );
    }
  }
  return problems;
};

const capabilities: Control = ({ containers }) =>
  containers.flatMap((c) => {
    const problems: string[] = [];
    const drops = listAt(c.spec, "securityContext", "capabilities", "drop").map((cap) => String(cap).toUpperCase());
    if (!drops.includes("ALL"))
      problems.push(`Capabilities: ${where(c, "securityContext.capabilities.drop")} must include ALL`);
    const adds = listAt(c.spec, "securityContext", "capabilities", "add")
      .map((cap) => String(cap).toUpperCase())
      .filter((cap) => cap !== "NET_BIND_SERVICE");
    if (adds.length > 0)
      problems.push(
        `Capabilities: ${where(c, "securityContext.capabilities.add")} adds ${adds.join(", ")} (only NET_BIND_SERVICE is allowed)`,
      );
    return problems;
  });

const CONTROLS: Control[] = [
  hostProcess,
  hostNamespaces,
  privileged,
  capabilities,
  hostPathVolumes,
  hostPorts,
  appArmor,
  seLinux,
  procMount,
  seccomp,
  sysctls,
  volumeTypes,
  privilegeEscalation,
  runAsNonRoot,
  runAsUser,
];

export function restrictedProfileViolations(subject: PolicySubject): string[] {
  const template = TARGET_VIEWS.podTemplate(subject);
  if (!template) return [];
  const checked: Checked = {
    template,
    pod: recordAt(template.spec, "securityContext"),
    podPath: `${template.specPath}.securityContext`,
    containers: template.containers,
  };
  return CONTROLS.flatMap((control) => control(checked));
}

export const podSecurityRestricted: Rule = {
  name: "pod-security-restricted",
  description: 'Every pod meets the Kubernetes Pod Security Standards "restricted" profile.',
  remediation:
    "Run as a non-root UID with runAsNonRoot: true, seccompProfile RuntimeDefault, allowPrivilegeEscalation: false and capabilities.drop [ALL]; use only configMap/secret/emptyDir/PVC/projected/downwardAPI/csi/ephemeral volumes.",
  enforcement: stricterInProduction,
  scope: "resource",
  check: restrictedProfileViolations,
};
