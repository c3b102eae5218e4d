import * as assert from "assert";
import { PolicySettings, PolicySubject, Rule, RULES } from "../../policy/rules";
import { containerResourceLimits } from "../../policy/rules/container-resource-limits";
import { hpaConsistent } from "../../policy/rules/hpa-consistent";
import { imagesPinned } from "../../policy/rules/images-pinned";
import { kubernetesWorkerImage } from "../../policy/rules/kubernetes-worker-image";
import { noDockerSocket } from "../../policy/rules/no-docker-socket";
import { noHostNamespaces } from "../../policy/rules/no-host-namespaces";
import { noHostPathVolumes } from "../../policy/rules/no-host-path-volumes";
import { noPlaintextSecrets } from "../../policy/rules/no-plaintext-secrets";
import { noPrivilegedContainers } from "../../policy/rules/no-privileged-containers";
import { noUnapprovedLoadBalancer } from "../../policy/rules/no-unapproved-load-balancer";
import { podSecurityRestricted } from "../../policy/rules/pod-security-restricted";
import { rbacLeastPrivilege } from "../../policy/rules/rbac-least-privilege";
import { replicatedServiceAvailability } from "../../policy/rules/replicated-service-availability";
import { statefulStorageProtected } from "../../policy/rules/stateful-storage-protected";
import {
  container,
  deployment,
  DEVELOPMENT,
  dockerContainer,
  hpa,
  judge,
  LABELS,
  pdb,
  podSpec,
  PRODUCTION,
  subject,
} from "./fixtures";

interface Firing {
  rule: Rule;
  /** What the fixture breaks. */
  breaks: string;
  target: PolicySubject;
  others?: PolicySubject[];
  settings?: PolicySettings;
  expect: RegExp;
}

const secureContext = (container() as { securityContext: Record<string, unknown> }).securityContext;
const withContainer = (overrides: Record<string, unknown>) =>
  deployment("web", {}, podSpec({ containers: [container("app", overrides)] }));
const withPod = (overrides: Record<string, unknown>) => deployment("web", {}, podSpec(overrides));
const withSecurity = (overrides: Record<string, unknown>) =>
  withContainer({ securityContext: { ...secureContext, ...overrides } });
const serving = (spec: Record<string, unknown> = {}, pod = podSpec()) => deployment("model-serving", spec, pod);
const role = (rules: unknown[]) =>
  subject("kubernetes:rbac.authorization.k8s.io/v1:Role", "worker", {
    metadata: { name: "worker", namespace: "ml-executors" },
    rules,
  });

const kubernetesWorker = (image: string) =>
  withContainer({ image, command: ["prefect", "worker", "start", "--pool", "ml-pool", "--type", "kubernetes"] });

const FIRING: Firing[] = [
  {
    rule: kubernetesWorkerImage,
    breaks: "a kubernetes worker on an image not tagged as carrying prefect-kubernetes",
    target: kubernetesWorker("localhost:32000/flows-worker:1.4.0"),
    expect: /runs Prefect's kubernetes worker from image "localhost:32000\/flows-worker:1\.4\.0".*prefect-kubernetes/,
  },
  {
    rule: containerResourceLimits,
    breaks: "a Kubernetes container without a memory limit",
    target: withContainer({ resources: { limits: { cpu: "1" } } }),
    expect: /no memory limit/,
  },
  {
    rule: containerResourceLimits,
    breaks: "a Kubernetes container without a CPU limit",
    target: withContainer({ resources: { limits: { memory: "1Gi" } } }),
    expect: /no CPU limit/,
  },
  {
    rule: containerResourceLimits,
    breaks: "an init container without limits",
    target: withPod({ initContainers: [{ name: "init", image: "busybox:1.36.1" }] }),
    expect: /init container "init".*no memory limit/,
  },
  {
    rule: containerResourceLimits,
    breaks: "a CronJob's container without limits",
    target: subject("kubernetes:batch/v1:CronJob", "retraining", {
      spec: {
        schedule: "0 3 * * *",
        jobTemplate: { spec: { template: { spec: podSpec({ containers: [container("train", { resources: {} })] }) } } },
      },
    }),
    expect: /spec\.jobTemplate\.spec\.template\.spec\.containers\[0\].*no memory limit/,
  },
  {
    rule: containerResourceLimits,
    breaks: "a Docker container without memory",
    target: dockerContainer("web", { memory: undefined }),
    expect: /no memory limit/,
  },
  {
    rule: containerResourceLimits,
    breaks: "a Docker container with only cpuShares",
    target: dockerContainer("web", { cpus: undefined, cpuShares: 512 }),
    expect: /no CPU limit/,
  },

  {
    rule: noPrivilegedContainers,
    breaks: "a privileged Kubernetes container",
    target: withSecurity({ privileged: true }),
    expect: /is privileged/,
  },
  {
    rule: noPrivilegedContainers,
    breaks: "a container adding SYS_ADMIN",
    target: withSecurity({ capabilities: { drop: ["ALL"], add: ["SYS_ADMIN"] } }),
    expect: /adds SYS_ADMIN/,
  },
  {
    rule: noPrivilegedContainers,
    breaks: "a privileged Docker container",
    target: dockerContainer("web", { privileged: true }),
    expect: /is privileged/,
  },
  {
    rule: noPrivilegedContainers,
    breaks: "a Docker container adding CAP_ALL",
    target: dockerContainer("web", { capabilities: { adds: ["CAP_ALL"] } }),
    expect: /adds ALL/,
  },

  {
    rule: noHostNamespaces,
    breaks: "hostNetwork",
    target: withPod({ hostNetwork: true }),
    expect: /host's network namespace/,
  },
  {
    rule: noHostNamespaces,
    breaks: "hostPID",
    target: withPod({ hostPID: true }),
    expect: /process \(PID\) namespace/,
  },
  { rule: noHostNamespaces, breaks: "hostIPC", target: withPod({ hostIPC: true }), expect: /IPC namespace/ },
  {
    rule: noHostNamespaces,
    breaks: "Docker networkMode host",
    target: dockerContainer("web", { networkMode: "host" }),
    expect: /network namespace \(networkMode: host\)/,
  },
  {
    rule: noHostNamespaces,
    breaks: "Docker pidMode host",
    target: dockerContainer("web", { pidMode: "host" }),
    expect: /pidMode: host/,
  },
  {
    rule: noHostNamespaces,
    breaks: "Docker ipcMode host",
    target: dockerContainer("web", { ipcMode: "host" }),
    expect: /ipcMode: host/,
  },

  {
    rule: noHostPathVolumes,
    breaks: "a hostPath pod volume",
    target: withPod({ volumes: [{ name: "data", hostPath: { path: "/srv/data" } }] }),
    expect: /mounts the node's "\/srv\/data"/,
  },
  {
    rule: noHostPathVolumes,
    breaks: "a hostPath PersistentVolume",
    target: subject("kubernetes:core/v1:PersistentVolume", "pv", {
      spec: { hostPath: { path: "/mnt/pv" }, capacity: { storage: "1Gi" } },
    }),
    expect: /hostPath volume on the node/,
  },
  {
    rule: noHostPathVolumes,
    breaks: "a Docker bind mount",
    target: dockerContainer("web", { mounts: [{ type: "bind", source: "/home/me/data", target: "/data" }] }),
    expect: /bind-mounts the host's "\/home\/me\/data"/,
  },
  {
    rule: noHostPathVolumes,
    breaks: "a legacy Docker hostPath volume",
    target: dockerContainer("web", { volumes: [{ hostPath: "/etc", containerPath: "/host-etc" }] }),
    expect: /"\/etc"/,
  },

  {
    rule: noDockerSocket,
    breaks: "the Docker socket bound into a container",
    target: dockerContainer("worker", {
      mounts: [{ type: "bind", source: "/var/run/docker.sock", target: "/var/run/docker.sock" }],
    }),
    settings: DEVELOPMENT,
    expect: /container runtime's socket "\/var\/run\/docker.sock"/,
  },
  {
    rule: noDockerSocket,
    breaks: "the containerd socket as a hostPath volume",
    target: withPod({
      volumes: [{ name: "sock", hostPath: { path: "/var/snap/microk8s/common/run/containerd.sock" } }],
    }),
    expect: /containerd\.sock/,
  },
  {
    rule: noDockerSocket,
    breaks: "all of /var/run mounted",
    target: dockerContainer("worker", { volumes: [{ hostPath: "/var/run/", containerPath: "/host-run" }] }),
    expect: /"\/var\/run\/"/,
  },

  {
    rule: podSecurityRestricted,
    breaks: "allowPrivilegeEscalation unset",
    target: withSecurity({ allowPrivilegeEscalation: undefined }),
    expect: /Privilege escalation/,
  },
  {
    rule: podSecurityRestricted,
    breaks: "runAsNonRoot missing on pod and container",
    target: deployment(
      "web",
      {},
      podSpec({
        securityContext: { seccompProfile: { type: "RuntimeDefault" } },
        containers: [container("app", { securityContext: { ...secureContext, runAsNonRoot: undefined } })],
      }),
    ),
    expect: /Running as non-root: .*runAsNonRoot/,
  },
  {
    rule: podSecurityRestricted,
    breaks: "runAsUser 0",
    target: withSecurity({ runAsUser: 0 }),
    expect: /Running as non-root user: .*runAsUser is 0/,
  },
  {
    rule: podSecurityRestricted,
    breaks: "no seccomp profile",
    target: withPod({ securityContext: { runAsNonRoot: true } }),
    expect: /Seccomp: .*must be RuntimeDefault or Localhost/,
  },
  {
    rule: podSecurityRestricted,
    breaks: "an Unconfined seccomp profile",
    target: withSecurity({ seccompProfile: { type: "Unconfined" } }),
    expect: /Seccomp: .*is Unconfined/,
  },
  {
    rule: podSecurityRestricted,
    breaks: "capabilities not dropped",
    target: withSecurity({ capabilities: {} }),
    expect: /Capabilities: .*must include ALL/,
  },
  {
    rule: podSecurityRestricted,
    breaks: "an added capability",
    target: withSecurity({ capabilities: { drop: ["ALL"], add: ["NET_ADMIN"] } }),
    expect: /adds NET_ADMIN/,
  },
  {
    rule: podSecurityRestricted,
    breaks: "a hostPath volume",
    target: withPod({ volumes: [{ name: "h", hostPath: { path: "/tmp" } }] }),
    expect: /HostPath volumes/,
  },
  {
    rule: podSecurityRestricted,
    breaks: "a non-restricted volume type",
    target: withPod({ volumes: [{ name: "nfs", nfs: { server: "nas", path: "/x" } }] }),
    expect: /Volume types: .*nfs volume/,
  },
  {
    rule: podSecurityRestricted,
    breaks: "a host port",
    target: withContainer({ ports: [{ containerPort: 8080, hostPort: 8080 }] }),
    expect: /Host ports/,
  },
  {
    rule: podSecurityRestricted,
    breaks: "host networking",
    target: withPod({ hostNetwork: true }),
    expect: /Host namespaces/,
  },
  {
    rule: podSecurityRestricted,
    breaks: "a privileged container",
    target: withSecurity({ privileged: true }),
    expect: /Privileged: /,
  },
  {
    rule: podSecurityRestricted,
    breaks: "an unsafe sysctl",
    target: withPod({
      securityContext: {
        runAsNonRoot: true,
        seccompProfile: { type: "RuntimeDefault" },
        sysctls: [{ name: "kernel.msgmax", value: "1" }],
      },
    }),
    expect: /Sysctls: .*kernel\.msgmax/,
  },
  {
    rule: podSecurityRestricted,
    breaks: "an Unmasked /proc",
    target: withSecurity({ procMount: "Unmasked" }),
    expect: /\/proc mount/,
  },
  {
    rule: podSecurityRestricted,
    breaks: "a custom SELinux user",
    target: withSecurity({ seLinuxOptions: { user: "system_u" } }),
    expect: /SELinux: .*user is set/,
  },
  {
    rule: podSecurityRestricted,
    breaks: "an Unconfined AppArmor profile",
    target: withSecurity({ appArmorProfile: { type: "Unconfined" } }),
    expect: /AppArmor: /,
  },
  {
    rule: podSecurityRestricted,
    breaks: "a Windows host process",
    target: withSecurity({ windowsOptions: { hostProcess: true } }),
    expect: /HostProcess/,
  },
  {
    rule: podSecurityRestricted,
    breaks: "an ephemeral debug container running as root",
    target: withPod({
      ephemeralContainers: [{ name: "debug", image: "busybox:1.36.1", securityContext: { runAsUser: 0 } }],
    }),
    expect: /ephemeralContainers\[0\]/,
  },

  {
    rule: imagesPinned,
    breaks: "the latest tag",
    target: withContainer({ image: "python:latest" }),
    expect: /"python:latest".*moving tag "latest"/,
  },
  {
    rule: imagesPinned,
    breaks: "an untagged image",
    target: withContainer({ image: "postgres" }),
    expect: /"postgres".*has no tag/,
  },
  {
    rule: imagesPinned,
    breaks: "a Docker RemoteImage without a tag",
    target: subject("docker:index/remoteImage:RemoteImage", "postgres-image", { name: "postgres", keepLocally: true }),
    expect: /RemoteImage "postgres-image" runs image "postgres"/,
  },
  {
    rule: imagesPinned,
    breaks: "a Docker container given a name instead of an image ID",
    target: dockerContainer("web", { image: "nginx:latest" }),
    expect: /"nginx:latest"/,
  },

  {
    rule: noPlaintextSecrets,
    breaks: "a secret value in a plain env value",
    target: withContainer({ env: [{ name: "DB", value: "[secret]" }] }),
    expect: /secret value .* at spec\.template\.spec\.containers\[0\]\.env\[0\]\.value/,
  },
  {
    rule: noPlaintextSecrets,
    breaks: "a literal password variable",
    target: withContainer({ env: [{ name: "POSTGRES_PASSWORD", value: "hunter2hunter2" }] }),
    expect: /env POSTGRES_PASSWORD .* valueFrom\.secretKeyRef/,
  },
  {
    rule: noPlaintextSecrets,
    breaks: "a database URL with its password",
    target: withContainer({
      env: [
        {
          name: "PREFECT_SERVER_DATABASE_CONNECTION_URL",
          value: "postgresql+asyncpg://prefect:s3cretpw@postgres:5432/prefect",
        },
      ],
    }),
    expect: /URL with a password/,
  },
  {
    rule: noPlaintextSecrets,
    breaks: "a Docker env holding the render's secret",
    target: dockerContainer("server", { envs: ["PREFECT_SERVER_DATABASE_CONNECTION_URL=[secret]"] }),
    expect: /envs\[0\]/,
  },
  {
    rule: noPlaintextSecrets,
    breaks: "a Docker env whose whole list is secret",
    target: dockerContainer("server", { envs: "[secret]" }),
    expect: /at envs$/,
  },
  {
    rule: noPlaintextSecrets,
    breaks: "a secret in a ConfigMap",
    target: subject("kubernetes:core/v1:ConfigMap", "settings", {
      metadata: { name: "settings" },
      data: { "database-url": "postgresql://u:p4ssw0rd@db/x" },
    }),
    expect: /ConfigMap key "database-url"/,
  },
  {
    rule: noPlaintextSecrets,
    breaks: "a masked secret in a ConfigMap",
    target: subject("kubernetes:core/v1:ConfigMap", "settings", {
      metadata: { name: "settings" },
      data: { "settings.json": "[secret:0123456789abcdef]" },
    }),
    expect: /at data\.settings\.json/,
  },
  {
    rule: noPlaintextSecrets,
    breaks: "a secret in a pod template annotation",
    target: subject("kubernetes:apps/v1:Deployment", "web", {
      metadata: { name: "web" },
      spec: { template: { metadata: { annotations: { "checksum/secret": "[secret]" } }, spec: podSpec() } },
    }),
    expect: /spec\.template\.metadata\.annotations\.checksum\/secret/,
  },
  {
    rule: noPlaintextSecrets,
    breaks: "a credential URL in a label",
    target: subject("kubernetes:core/v1:Service", "db", {
      metadata: { name: "db", labels: { dsn: "postgres://admin:letmein99@db:5432/x" } },
    }),
    expect: /label or annotation dsn/,
  },
  {
    rule: noPlaintextSecrets,
    breaks: "a Docker label with a secret",
    target: dockerContainer("web", { labels: [{ label: "token", value: "abcdefabcdef1234" }] }),
    expect: /label or annotation token/,
  },
  {
    rule: noPlaintextSecrets,
    breaks: "a password on a command line",
    target: dockerContainer("web", { command: ["psql", "postgresql://u:hunter22@db/x"] }),
    expect: /command line .*command\[1\]/,
  },
  {
    rule: noPlaintextSecrets,
    breaks: "a secret hidden in base64",
    target: subject("kubernetes:core/v1:ConfigMap", "b64", {
      metadata: { name: "b64" },
      binaryData: { blob: Buffer.from("url: [secret]").toString("base64") },
    }),
    expect: /binaryData\.blob/,
  },

  {
    rule: rbacLeastPrivilege,
    breaks: "a wildcard verb",
    target: role([{ apiGroups: ["batch"], resources: ["jobs"], verbs: ["*"] }]),
    expect: /rules\[0\]\.verbs contains a wildcard/,
  },
  {
    rule: rbacLeastPrivilege,
    breaks: "a wildcard resource",
    target: role([{ apiGroups: [""], resources: ["pods/*"], verbs: ["get"] }]),
    expect: /resources contains a wildcard/,
  },
  {
    rule: rbacLeastPrivilege,
    breaks: "an escalating verb",
    target: role([{ apiGroups: ["rbac.authorization.k8s.io"], resources: ["roles"], verbs: ["bind"] }]),
    expect: /grants bind/,
  },
  {
    rule: rbacLeastPrivilege,
    breaks: "a ClusterRole",
    target: subject("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "reader", {
      rules: [{ apiGroups: [""], resources: ["namespaces"], verbs: ["get"] }],
    }),
    expect: /ClusterRole grants cluster-wide/,
  },
  {
    rule: rbacLeastPrivilege,
    breaks: "a ClusterRoleBinding",
    target: subject("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", "reader", {
      roleRef: { kind: "ClusterRole", name: "view", apiGroup: "rbac.authorization.k8s.io" },
      subjects: [{ kind: "ServiceAccount", name: "worker", namespace: "ml-platform" }],
    }),
    expect: /ClusterRoleBinding grants cluster-wide/,
  },
  {
    rule: rbacLeastPrivilege,
    breaks: "a RoleBinding to a ClusterRole",
    target: subject("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "edit", {
      metadata: { namespace: "ml-executors" },
      roleRef: { kind: "ClusterRole", name: "edit", apiGroup: "rbac.authorization.k8s.io" },
      subjects: [{ kind: "ServiceAccount", name: "worker", namespace: "ml-platform" }],
    }),
    expect: /binds the ClusterRole "edit"/,
  },
  {
    rule: rbacLeastPrivilege,
    breaks: "a grant to every authenticated user",
    target: subject("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "all", {
      roleRef: { kind: "Role", name: "worker", apiGroup: "rbac.authorization.k8s.io" },
      subjects: [{ kind: "Group", name: "system:authenticated", apiGroup: "rbac.authorization.k8s.io" }],
    }),
    expect: /group system:authenticated/,
  },

  {
    rule: replicatedServiceAvailability,
    breaks: "replicas without a PDB",
    target: serving({ replicas: 3 }),
    expect: /no PodDisruptionBudget in namespace "ml-platform" selects its pods/,
  },
  {
    rule: replicatedServiceAvailability,
    breaks: "an autoscaled Deployment without readiness probes",
    target: serving({}, podSpec({ containers: [container("app", { readinessProbe: undefined })] })),
    others: [hpa("model-serving", {}), pdb("model-serving")],
    expect: /is replicated but container "app" .* has no readinessProbe/,
  },
  {
    rule: replicatedServiceAvailability,
    breaks: "a PDB that blocks every drain",
    target: serving({ replicas: 2 }),
    others: [pdb("model-serving", { minAvailable: 2, selector: { matchLabels: LABELS } })],
    expect: /requires 2 available of 2 replicas/,
  },
  {
    rule: replicatedServiceAvailability,
    breaks: "a PDB selecting other pods",
    target: serving({ replicas: 2 }),
    others: [
      pdb("model-serving", { minAvailable: 1, selector: { matchLabels: { "app.kubernetes.io/name": "other" } } }),
    ],
    expect: /no PodDisruptionBudget/,
  },
  {
    rule: replicatedServiceAvailability,
    breaks: "Docker replicas without healthchecks",
    target: dockerContainer("serving-0", {
      healthcheck: undefined,
      networksAdvanced: [{ name: "net", aliases: ["model-serving"] }],
    }),
    others: [dockerContainer("serving-1", { networksAdvanced: [{ name: "net", aliases: ["model-serving"] }] })],
    settings: DEVELOPMENT,
    expect: /replica of "model-serving" but has no healthcheck/,
  },
  {
    rule: replicatedServiceAvailability,
    breaks: "Docker replicas that are not restarted",
    target: dockerContainer("serving-0", {
      restart: "no",
      networksAdvanced: [{ name: "net", aliases: ["model-serving"] }],
    }),
    others: [dockerContainer("serving-1", { networksAdvanced: [{ name: "net", aliases: ["model-serving"] }] })],
    settings: DEVELOPMENT,
    expect: /restart policy is "no"/,
  },

  {
    rule: hpaConsistent,
    breaks: "min above max",
    target: hpa("model-serving", { minReplicas: 5, maxReplicas: 2 }),
    others: [serving()],
    expect: /minReplicas 5 exceeds spec\.maxReplicas 2/,
  },
  {
    rule: hpaConsistent,
    breaks: "a missing target",
    target: hpa("model-serving", {
      scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "modle-serving" },
    }),
    others: [serving()],
    expect: /names Deployment "modle-serving" .* which the stack does not define/,
  },
  {
    rule: hpaConsistent,
    breaks: "a target in another namespace",
    target: hpa("model-serving", {}),
    others: [
      subject("kubernetes:apps/v1:Deployment", "model-serving", {
        metadata: { name: "model-serving", namespace: "default" },
        spec: { template: { spec: podSpec() } },
      }),
    ],
    expect: /does not define/,
  },
  {
    rule: hpaConsistent,
    breaks: "a target that sets replicas",
    target: hpa("model-serving", {}),
    others: [serving({ replicas: 2 })],
    expect: /sets spec\.replicas/,
  },
  {
    rule: hpaConsistent,
    breaks: "CPU utilisation without CPU requests",
    target: hpa("model-serving", {}),
    others: [serving({}, podSpec({ containers: [container("app", { resources: { limits: { memory: "1Gi" } } })] }))],
    expect: /scales on cpu utilisation but container "app" .* requests no cpu/,
  },

  {
    rule: statefulStorageProtected,
    breaks: "an unprotected claim",
    target: subject(
      "kubernetes:core/v1:PersistentVolumeClaim",
      "data",
      { spec: { accessModes: ["ReadWriteOnce"] } },
      { protect: false, retainOnDelete: true },
    ),
    expect: /PersistentVolumeClaim holds state but is not protected/,
  },
  {
    rule: statefulStorageProtected,
    breaks: "a claim deleted with the stack",
    target: subject(
      "kubernetes:core/v1:PersistentVolumeClaim",
      "models",
      { spec: {} },
      { protect: true, retainOnDelete: false },
    ),
    expect: /not kept on delete/,
  },
  {
    rule: statefulStorageProtected,
    breaks: "a StatefulSet that deletes its claims",
    target: subject(
      "kubernetes:apps/v1:StatefulSet",
      "postgres",
      {
        spec: {
          volumeClaimTemplates: [{ metadata: { name: "postgres-data" } }],
          persistentVolumeClaimRetentionPolicy: { whenDeleted: "Delete", whenScaled: "Retain" },
        },
      },
      { protect: true, retainOnDelete: true },
    ),
    expect: /whenDeleted: Delete/,
  },
  {
    rule: statefulStorageProtected,
    breaks: "an unprotected Docker volume",
    target: subject("docker:index/volume:Volume", "data", { name: "ml-data" }),
    expect: /Docker volume holds state but is not protected/,
  },
  {
    rule: statefulStorageProtected,
    breaks: "an unprotected Docker volume that says it holds state",
    target: subject(
      "docker:index/volume:Volume",
      "models",
      { labels: [{ label: "ml-platform.holds-state", value: "true" }] },
      { protect: true, retainOnDelete: false },
    ),
    expect: /not kept on delete/,
  },

  {
    rule: noUnapprovedLoadBalancer,
    breaks: "a LoadBalancer Service",
    target: subject("kubernetes:core/v1:Service", "serving", {
      metadata: { name: "serving" },
      spec: { type: "LoadBalancer", ports: [{ port: 80 }] },
    }),
    expect: /type LoadBalancer but ml-platform:kubernetes\.allowLoadBalancer is false/,
  },
];

describe("guardrail rules", () => {
  it("reports a secret env value once, not once per way of spotting it", () => {
    const target = withContainer({ env: [{ name: "POSTGRES_PASSWORD", value: "[secret]" }] });
    const { messages } = judge(noPlaintextSecrets, target);
    assert.strictEqual(messages.length, 1, `${target.urn}: ${JSON.stringify(messages)}`);
  });

  it("every rule has a fixture that makes it fire", () => {
    const covered = new Set(FIRING.map((firing) => firing.rule.name));
    const missing = RULES.filter((rule) => !covered.has(rule.name)).map((rule) => rule.name);
    assert.deepStrictEqual(missing, [], `rules without a firing fixture: ${missing.join(", ")}`);
  });

  it("has unique names, descriptions and remediation for every rule", () => {
    const names = RULES.map((rule) => rule.name);
    assert.strictEqual(new Set(names).size, names.length, `duplicate rule names in ${names.join(", ")}`);
    for (const rule of RULES) {
      assert.match(rule.name, /^[a-z][a-z0-9-]+$/, `${rule.name} is not a policy name`);
      assert.ok(
        rule.description.length > 20 && rule.remediation.length > 20,
        `${rule.name} needs a description and remediation`,
      );
    }
  });

  for (const firing of FIRING) {
    it(`${firing.rule.name} fires on ${firing.breaks}`, () => {
      const { messages } = judge(firing.rule, firing.target, firing.settings ?? PRODUCTION, firing.others ?? []);
      assert.ok(
        messages.some((message) => firing.expect.test(message)),
        `${firing.rule.name} on ${firing.target.urn}: expected a message matching ${firing.expect}, got ${JSON.stringify(messages)}`,
      );
    });
  }

  describe("on compliant resources", () => {
    const compliant: Array<{ subject: PolicySubject; others: PolicySubject[] }> = [
      { subject: serving(), others: [hpa("model-serving", {}), pdb("model-serving")] },
      { subject: hpa("model-serving", {}), others: [serving(), pdb("model-serving")] },
      { subject: serving({ replicas: 3 }), others: [pdb("model-serving")] },
      {
        subject: dockerContainer("serving-0", { networksAdvanced: [{ name: "net", aliases: ["model-serving"] }] }),
        others: [dockerContainer("serving-1", { networksAdvanced: [{ name: "net", aliases: ["model-serving"] }] })],
      },
      {
        subject: subject("docker:index/remoteImage:RemoteImage", "img", { name: "postgres:16.9-bookworm" }),
        others: [],
      },
      {
        subject: subject(
          "kubernetes:core/v1:PersistentVolumeClaim",
          "data",
          { spec: {} },
          { protect: true, retainOnDelete: true },
        ),
        others: [],
      },
      {
        subject: subject(
          "docker:index/volume:Volume",
          "data",
          { name: "ml-data" },
          { protect: true, retainOnDelete: true },
        ),
        others: [],
      },
      {
        subject: subject("docker:index/volume:Volume", "files", {
          labels: [{ label: "ml-platform.holds-state", value: "false" }],
        }),
        others: [],
      },
      { subject: dockerContainer("seed", { uploads: "[secret]" }), others: [] },
      { subject: kubernetesWorker("prefecthq/prefect:3.6.10-python3.12-kubernetes"), others: [] },
      { subject: kubernetesWorker("localhost:32000/flows-worker:1.4.0-kubernetes"), others: [] },
      {
        subject: role([
          {
            apiGroups: ["batch"],
            resources: ["jobs"],
            verbs: ["get", "list", "watch", "create", "update", "patch", "delete"],
          },
        ]),
        others: [],
      },
      {
        subject: subject("kubernetes:core/v1:Secret", "postgres", {
          stringData: { password: "[secret]", "database-url": "[secret]" },
        }),
        others: [],
      },
      {
        subject: withContainer({
          env: [
            { name: "POSTGRES_PASSWORD", valueFrom: { secretKeyRef: { name: "postgres", key: "password" } } },
            { name: "POSTGRES_PASSWORD_FILE", value: "/run/secrets/postgres-password" },
            { name: "DATABASE_URL", value: "postgresql+asyncpg://prefect:$(POSTGRES_PASSWORD)@postgres:5432/prefect" },
          ],
        }),
        others: [],
      },
      {
        subject: dockerContainer("db", {
          envs: ["POSTGRES_PASSWORD_FILE=/run/secrets/password"],
          uploads: [{ file: "/run/secrets/password", content: "[secret]" }],
        }),
        others: [],
      },
    ];
    for (const { subject: target, others } of compliant) {
      it(`no rule fires on ${target.type} ${target.name}`, () => {
        for (const rule of RULES) {
          const { messages } = judge(rule, target, PRODUCTION, others);
          assert.deepStrictEqual(messages, [], `${rule.name} fired on ${target.urn}: ${messages.join("; ")}`);
        }
      });
    }
  });

  describe("levels", () => {
    it("makes production stricter than development", () => {
      for (const rule of RULES) {
        const dev = rule.enforcement(DEVELOPMENT);
        const prod = rule.enforcement(PRODUCTION);
        assert.strictEqual(prod, "mandatory", `${rule.name} must be mandatory in production`);
        assert.ok(dev === "mandatory" || dev === "advisory", `${rule.name} has level ${dev} in development`);
      }
      const advisoryInDev = RULES.filter((rule) => rule.enforcement(DEVELOPMENT) === "advisory").map(
        (rule) => rule.name,
      );
      assert.ok(advisoryInDev.length > 0, "development is no more lenient than production");
    });

    it("only advises on the Docker socket for the explicit dev opt-in", () => {
      assert.strictEqual(noDockerSocket.enforcement({ ...DEVELOPMENT, dockerSocketOptIn: true }), "advisory");
      assert.strictEqual(noDockerSocket.enforcement(DEVELOPMENT), "mandatory");
      assert.strictEqual(noDockerSocket.enforcement({ ...PRODUCTION, dockerSocketOptIn: true }), "mandatory");
    });

    it("lets a stack that allows load balancers have one", () => {
      const service = subject("kubernetes:core/v1:Service", "serving", {
        metadata: { name: "serving" },
        spec: { type: "LoadBalancer" },
      });
      assert.deepStrictEqual(
        judge(noUnapprovedLoadBalancer, service, { ...PRODUCTION, allowLoadBalancer: true }).messages,
        [],
        service.urn,
      );
    });
  });
});
