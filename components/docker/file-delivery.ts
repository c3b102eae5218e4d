/**
 * Delivers files (secrets, scripts, configs) to containers whose root
 * filesystem is read-only.
 *
 * The provider's `uploads` cannot do that alone: it extracts every upload into
 * the container at "/", and Docker's archive API refuses any extraction whose
 * destination is on a read-only root filesystem ("container rootfs is marked
 * read-only"), even when the file itself would land on a mounted volume. So a
 * short-lived seeding container with a writable root receives the uploads and
 * copies them, with their final owner and mode, into one volume per
 * directory; the workload mounts those volumes read-only and keeps its own
 * root filesystem read-only. The seeder then deletes its staged copies, so
 * the files exist only in the volume.
 */
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";
import { shellQuote } from "./commands";
import { labelList, recommendedLabels, WorkloadIdentity } from "./labels";
import { requireSuccess, RUN_TO_COMPLETION } from "./run-result";
import { asResourceError } from "./context";
import { cpuLimit } from "./container";
import { HOLDS_STATE_LABEL } from "./resource-views";

/** Where secret files appear in a workload's containers (the path Compose and Swarm use). */
export const SECRETS_DIRECTORY = "/run/secrets";

const STAGING_ROOT = "/ml-platform-staging";
const TARGET_ROOT = "/ml-platform-target";

export interface DeliveredFile {
  /** File name inside its directory (no slashes). */
  name: string;
  /** The file's text; a secret Output stays a secret in the state and the plan. */
  content: pulumi.Input<string>;
  /** Octal permission bits, e.g. "0400". */
  mode: string;
  /** Owner of the file; default root (0:0). */
  owner?: { uid: number; gid: number };
}

export interface DeliveredDirectory {
  /** Where the workload's containers see the files, mounted read-only. */
  path: string;
  files: DeliveredFile[];
}

export interface FileDeliveryArgs {
  /** imageId of an image with /bin/sh, cp, chmod, chown and mv; the workload's own image. */
  image: pulumi.Input<string>;
  /** The directories to fill; each becomes one volume. */
  directories: DeliveredDirectory[];
  /** The workload the files belong to (labels). */
  identity: WorkloadIdentity;
}

export interface SeedRoots {
  staging: string;
  target: string;
}

function checkDirectories(directories: DeliveredDirectory[]): void {
  const paths = new Set<string>();
  for (const directory of directories) {
    if (!directory.path.startsWith("/"))
      throw new Error(`delivery directory "${directory.path}" must be an absolute path`);
    if (paths.has(directory.path)) throw new Error(`delivery directory "${directory.path}" is listed twice`);
    paths.add(directory.path);
    const names = new Set<string>();
    for (const file of directory.files) {
      if (file.name === "" || file.name === "." || file.name === ".." || file.name.includes("/")) {
        throw new Error(`"${file.name}" in ${directory.path} is not a plain file name`);
      }
      if (names.has(file.name)) throw new Error(`"${file.name}" is delivered to ${directory.path} twice`);
      if (!/^0?[0-7]{3}$/.test(file.mode))
        throw new Error(`mode "${file.mode}" of ${directory.path}/${file.name} is not octal`);
      names.add(file.name);
    }
  }
}

/** An upload with empty content is rejected by the provider; the seeder creates those files itself. */
function isEmpty(content: pulumi.Input<string>): boolean {
  return typeof content === "string" && content === "";
}

export function stagedPath(
  directoryIndex: number,
  file: string,
  roots: SeedRoots = { staging: STAGING_ROOT, target: TARGET_ROOT },
): string {
  return `${roots.staging}/${directoryIndex}/${file}`;
}

/**
 * The seeder's script: write each file beside its final name, set mode and
 * owner, rename it into place (readers never see a half-written file), remove
 * files no longer delivered, and delete the staged copies.
 */
export function seedScript(
  directories: DeliveredDirectory[],
  roots: SeedRoots = { staging: STAGING_ROOT, target: TARGET_ROOT },
): string {
  checkDirectories(directories);
  const lines = ["set -eu", "umask 077"];
  directories.forEach((directory, index) => {
    const target = `${roots.target}/${index}`;
    lines.push(`# ${directory.path}`);
    for (const file of directory.files) {
      const temporary = shellQuote(`${target}/.${file.name}.new`);
      const final = shellQuote(`${target}/${file.name}`);
      lines.push(
        isEmpty(file.content)
          ? `: > ${temporary}`
          : `cp ${shellQuote(stagedPath(index, file.name, roots))} ${temporary}`,
      );
      // Mode before owner: once the file belongs to someone else, root without CAP_FOWNER may not chmod it.
      lines.push(`chmod ${file.mode} ${temporary}`);
      if (file.owner && (file.owner.uid !== 0 || file.owner.gid !== 0)) {
        lines.push(`chown ${file.owner.uid}:${file.owner.gid} ${temporary}`);
      }
      lines.push(`mv -f ${temporary} ${final}`);
    }
    const keep = directory.files.map((file) => shellQuote(file.name)).join("|") || "''";
    lines.push(
      `for entry in ${shellQuote(target)}/* ${shellQuote(target)}/.[!.]*; do`,
      '  [ -e "$entry" ] || continue',
      `  case "\${entry##*/}" in ${keep}) ;; *) rm -rf "$entry" ;; esac`,
      "done",
      `chmod 0755 ${shellQuote(target)}`,
    );
  });
  lines.push(`rm -rf ${shellQuote(roots.staging)}`);
  return lines.join("\n");
}

export function seedUploads(directories: DeliveredDirectory[]): docker.types.input.ContainerUpload[] {
  return directories.flatMap((directory, index) =>
    directory.files
      .filter((file) => !isEmpty(file.content))
      .map((file) => ({ file: stagedPath(index, file.name), content: file.content, permissions: "0600" })),
  );
}

function volumeRole(path: string): string {
  return (
    path
      .replace(/^\/+/, "")
      .replace(/[^A-Za-z0-9]+/g, "-")
      .toLowerCase() || "root"
  );
}

export class FileDelivery extends pulumi.ComponentResource {
  /** Read-only mounts that show the delivered directories in a workload container. */
  readonly mounts: docker.types.input.ContainerMount[];
  /** Changes whenever the files are delivered again; a label on the workload so it restarts with them. */
  readonly revision: pulumi.Output<string>;
  /** Resolves (to the seeder) once the files are in place; rejects if seeding failed. */
  readonly ready: pulumi.Output<pulumi.Resource[]>;

  constructor(name: string, args: FileDeliveryArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ml-platform:docker:FileDelivery", name, {}, opts);
    try {
      checkDirectories(args.directories);
      const identity = { ...args.identity, component: "file-delivery" };
      const labels = labelList({ ...recommendedLabels(identity), "ml-platform.delivers-for": args.identity.name });
      // Rewritten on every delivery from the Pulumi state: nothing here to protect or keep.
      const volumeLabels = labelList({
        ...recommendedLabels(identity),
        "ml-platform.delivers-for": args.identity.name,
        [HOLDS_STATE_LABEL]: "false",
      });

      const volumes = args.directories.map(
        (directory) =>
          new docker.Volume(
            `${name}-${volumeRole(directory.path)}`,
            { driver: "local", labels: volumeLabels },
            { parent: this },
          ),
      );

      const seeder = new docker.Container(
        `${name}-seed`,
        {
          image: args.image,
          entrypoints: ["/bin/sh", "-c", seedScript(args.directories)],
          user: "0:0",
          uploads: seedUploads(args.directories),
          mounts: volumes.map((volume, index) => ({
            type: "volume",
            source: volume.name,
            target: `${TARGET_ROOT}/${index}`,
          })),
          // Root only to hand files to the workload's user; CHOWN is the one capability that needs.
          capabilities: { drops: ["ALL"], adds: ["CHOWN"] },
          securityOpts: ["no-new-privileges:true"],
          memory: 32,
          ...cpuLimit(500),
          labels,
          ...RUN_TO_COMPLETION,
        },
        { parent: this },
      );

      this.mounts = args.directories.map((directory, index) => ({
        type: "volume",
        source: volumes[index].name,
        target: directory.path,
        readOnly: true,
        volumeOptions: { noCopy: true },
      }));
      this.revision = seeder.id;
      this.ready = requireSuccess(`Delivering files for ${args.identity.name} (${name}-seed)`, seeder).apply(() => [
        seeder,
      ]);
      this.registerOutputs({ revision: this.revision, ready: this.ready });
    } catch (error) {
      throw asResourceError(error, this);
    }
  }
}
