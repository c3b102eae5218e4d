/**
 * Container image references. A reference is pinned when it names an exact tag
 * other than "latest", or a sha256 digest; anything else can change under a
 * running platform without a diff.
 */

const REFERENCE_PATTERN =
  /^(?<repository>[a-z0-9]+(?:[._-][a-z0-9]+)*(?::\d+)?(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*)(?::(?<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))?(?:@(?<digest>sha256:[a-f0-9]{64}))?$/;

export interface ImageReference {
  repository: string;
  tag?: string;
  digest?: string;
}

export function parseImageReference(reference: string): ImageReference | undefined {
  const match = REFERENCE_PATTERN.exec(reference);
  if (!match?.groups) return undefined;
  const { repository, tag, digest } = match.groups;
  return { repository, tag, digest };
}

/** Why a reference is not pinned, or undefined when it is. */
export function unpinnedReason(reference: string): string | undefined {
  const parsed = parseImageReference(reference);
  if (!parsed) return "is not a valid image reference (repository[:tag][@sha256:digest])";
  if (parsed.digest) return undefined;
  if (!parsed.tag) return "has no tag; pin an exact version such as repository:1.2.3";
  if (parsed.tag === "latest") return 'uses the moving tag "latest"; pin an exact version';
  return undefined;
}
