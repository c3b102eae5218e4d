/**
 * Maps one image reference from the source stack onto the target stack: the
 * source's repository, version and digest, with the target's variant suffix
 * kept where the target uses a declared variant of the same image.
 */
import { ImageReference, parseImageReference, unpinnedReason } from "../../config/images";

export type PromotedReference = { ok: true; reference: string; notes: string[] } | { ok: false; problem: string };

function variantOf(tag: string | undefined, suffixes: string[]): { core?: string; suffix: string } {
  if (tag === undefined) return { core: undefined, suffix: "" };
  const suffix = [...suffixes]
    .sort((a, b) => b.length - a.length)
    .find((candidate) => tag.endsWith(candidate) && tag.length > candidate.length);
  return suffix ? { core: tag.slice(0, -suffix.length), suffix } : { core: tag, suffix: "" };
}

function format(reference: ImageReference): string {
  return `${reference.repository}${reference.tag ? `:${reference.tag}` : ""}${reference.digest ? `@${reference.digest}` : ""}`;
}

/**
 * @param source the source stack's (effective) reference
 * @param current the target stack's reference today, if it sets one
 * @param variantSuffixes the key's declared variant suffixes
 */
export function promoteReference(
  source: string,
  current: string | undefined,
  variantSuffixes: string[],
): PromotedReference {
  const unpinned = unpinnedReason(source);
  if (unpinned) return { ok: false, problem: `"${source}" ${unpinned}` };
  const from = parseImageReference(source) as ImageReference;
  const target = current === undefined ? undefined : parseImageReference(current);
  const sourceVariant = variantOf(from.tag, variantSuffixes);
  // A target without a (parsable) reference takes the source's variant as it is.
  const targetSuffix = target ? variantOf(target.tag, variantSuffixes).suffix : sourceVariant.suffix;
  const notes: string[] = [];
  if (target && target.repository !== from.repository) {
    notes.push(`the repository changes from ${target.repository} to ${from.repository}`);
  }

  if (sourceVariant.suffix === targetSuffix) return { ok: true, reference: source, notes };
  if (!from.tag) {
    return {
      ok: false,
      problem: `"${source}" is pinned by digest only, but the target uses the "${targetSuffix}" variant, whose digest differs; give the source reference a tag`,
    };
  }
  const promoted: ImageReference = { repository: from.repository, tag: `${sourceVariant.core}${targetSuffix}` };
  notes.push(
    targetSuffix
      ? `keeps the target's "${targetSuffix}" variant`
      : `drops the source's "${sourceVariant.suffix}" variant, which the target does not use`,
  );
  if (from.digest) notes.push("the source's digest names a different variant, so only the tag is promoted");
  return { ok: true, reference: format(promoted), notes };
}
