/**
 * Container image references. A reference is pinned when it names a tag that
 * starts with a version, or a sha256 digest; a tag without a version
 * ("latest", "LATEST", "stable-alpine", "bookworm") moves under a running
 * platform without a diff. A production stack goes further: its tags must
 * name a full release (floatingReason), not a line such as "3.12-slim" that
 * gets every patch release.
 */
import { AddProblem } from "./rule";

/** A repository: an optional registry host (with an optional port) and lower-case path components. */
const REPOSITORY_PATTERN =
  /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*(?::\d+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*$/;
const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DIGEST_PATTERN = /^sha256:[a-f0-9]{64}$/;

export interface ImageReference {
  repository: string;
  tag?: string;
  digest?: string;
}

/**
 * repository[:tag][@digest]. The tag is what follows the last ":" after the
 * last "/", so "registry:5000/app" has no tag and "postgres:16" has tag "16".
 */
export function parseImageReference(reference: string): ImageReference | undefined {
  const at = reference.indexOf("@");
  const name = at < 0 ? reference : reference.slice(0, at);
  const digest = at < 0 ? undefined : reference.slice(at + 1);
  const colon = name.lastIndexOf(":");
  const hasTag = colon > name.lastIndexOf("/");
  const repository = hasTag ? name.slice(0, colon) : name;
  const tag = hasTag ? name.slice(colon + 1) : undefined;
  if (!REPOSITORY_PATTERN.test(repository)) return undefined;
  if (tag !== undefined && !TAG_PATTERN.test(tag)) return undefined;
  if (digest !== undefined && !DIGEST_PATTERN.test(digest)) return undefined;
  return { repository, tag, digest };
}

/** The numeric parts of the version a tag starts with ("3.12.11-slim" -> [3, 12, 11]); [] when it starts with none. */
export function leadingVersion(tag: string): number[] {
  const match = /^v?(\d+(?:\.\d+)*)(?=$|[-_.+a-zA-Z])/.exec(tag);
  return match ? match[1].split(".").map(Number) : [];
}

/** Why a reference is not pinned, or undefined when it is. */
export function unpinnedReason(reference: string): string | undefined {
  const parsed = parseImageReference(reference);
  if (!parsed) return "is not a valid image reference (repository[:tag][@sha256:digest])";
  if (parsed.digest) return undefined;
  if (!parsed.tag) return "has no tag; pin an exact version such as repository:1.2.3";
  if (parsed.tag.toLowerCase() === "latest") return `uses the moving tag "${parsed.tag}"; pin an exact version`;
  if (leadingVersion(parsed.tag).length === 0) {
    return `uses the tag "${parsed.tag}", which names no version and moves with every release; pin an exact version such as repository:1.2.3`;
  }
  return undefined;
}

/**
 * Repositories whose releases are numbered major.minor (PostgreSQL since 10):
 * for them two parts name one release.
 */
const TWO_PART_RELEASES = new Set(["postgres"]);

/**
 * Why a pinned reference still follows a release line rather than naming one
 * release ("python:3.12-slim", "postgres:16"), or undefined when it names one
 * (a digest, "python:3.12.11-slim-bookworm", "postgres:16.9-bookworm").
 */
export function floatingReason(reference: string): string | undefined {
  const parsed = parseImageReference(reference);
  if (!parsed || parsed.digest || !parsed.tag) return undefined;
  const parts = leadingVersion(parsed.tag);
  // No version at all is unpinnedReason's verdict; a date or build number (20240101) names one build.
  if (parts.length === 0 || (parts.length === 1 && String(parts[0]).length >= 8)) return undefined;
  const needed = TWO_PART_RELEASES.has(parsed.repository.split("/").pop() ?? "") ? 2 : 3;
  if (parts.length >= needed) return undefined;
  const example = needed === 2 ? "postgres:16.9-bookworm" : "python:3.12.11-slim-bookworm";
  return `uses the tag "${parsed.tag}", a release line that moves with every patch release; a production stack names one release, such as ${example}`;
}

/** Prefect's official image repository, whose tags say which integrations they carry. */
const PREFECT_REPOSITORY = /^(?:docker\.io\/)?prefecthq\/prefect$/;
/** The tag suffix of Prefect's images that carry prefect-kubernetes. */
export const KUBERNETES_WORKER_VARIANT = "-kubernetes";

/** Whether a reference is tagged as the variant that carries prefect-kubernetes. */
export function isKubernetesVariant(reference: string): boolean {
  return parseImageReference(reference)?.tag?.endsWith(KUBERNETES_WORKER_VARIANT) ?? false;
}

/**
 * Why an image cannot run Prefect's kubernetes worker, when that is certain:
 * an official Prefect image tagged without the "-kubernetes" variant lacks
 * prefect-kubernetes, and the worker exits at start (with a read-only root it
 * cannot install it either). An image from another repository may carry it;
 * only its builder knows, so the policy `kubernetes-worker-image` advises on
 * those instead of refusing them.
 */
export function kubernetesWorkerImageProblem(reference: string): string | undefined {
  const parsed = parseImageReference(reference);
  if (!parsed?.tag || !PREFECT_REPOSITORY.test(parsed.repository) || isKubernetesVariant(reference)) return undefined;
  return (
    `lacks prefect-kubernetes, which the kubernetes target's worker needs (Prefect ships it only in the ` +
    `"${KUBERNETES_WORKER_VARIANT}" variant): use ${parsed.repository}:${parsed.tag}${KUBERNETES_WORKER_VARIANT}`
  );
}

/**
 * The first Prefect release whose server checks the login on its events
 * websocket as well as on HTTP (PrefectHQ/prefect#17687, fixed by #17741):
 * 3.3.4's /api/events/out streams every event to anyone; 3.3.5 closes the
 * socket without the login. Checked in both releases' wheels.
 */
export const FIRST_PREFECT_WITH_WEBSOCKET_AUTH = [3, 3, 5];

/** Why an official Prefect image is too old to keep the platform's login on every endpoint, or undefined. */
export function prefectReleaseProblem(reference: string): string | undefined {
  const parsed = parseImageReference(reference);
  if (!parsed?.tag || !PREFECT_REPOSITORY.test(parsed.repository)) return undefined;
  const version = leadingVersion(parsed.tag);
  if (version.length === 0) return undefined;
  for (let index = 0; index < FIRST_PREFECT_WITH_WEBSOCKET_AUTH.length; index++) {
    const part = version[index] ?? 0;
    if (part > FIRST_PREFECT_WITH_WEBSOCKET_AUTH[index]) return undefined;
    if (part < FIRST_PREFECT_WITH_WEBSOCKET_AUTH[index]) {
      return `is Prefect ${version.join(".")}, whose events websocket does not check the login (PrefectHQ/prefect#17687): use ${FIRST_PREFECT_WITH_WEBSOCKET_AUTH.join(".")} or newer`;
    }
  }
  return undefined;
}

/**
 * Outside development an image must be pinned: staging is held to production's
 * rules, since it is where a release is proven before it gets there.
 */
export function checkPinned(environment: string, path: string[], image: string | undefined, add: AddProblem): void {
  if (environment === "development" || image === undefined) return;
  const reason = floatingReason(image);
  if (reason) add(path, `image "${image}" ${reason}`);
}
