/**
 * What a promotion carries from one stack to the next: the container images
 * (and so the app versions, which are their tags). This list is the one place
 * that says so; everything else in a stack file is that stack's own business.
 */

/** The config key (ml-platform:<section>) that holds the promotable values. */
export const PROMOTABLE_SECTION = "images";

export interface PromotableImage {
  /** The key under ml-platform:images. */
  key: string;
  /**
   * Tag suffixes that name a variant of the same app version (an image built
   * for one target). A stack whose tag ends with one of them keeps it: the
   * version is promoted, the stack's choice of variant is not.
   */
  variantSuffixes: string[];
}

export const PROMOTABLE_IMAGES: readonly PromotableImage[] = [
  { key: "prefectServer", variantSuffixes: [] },
  // Prefect publishes "<version>-python<x.y>-kubernetes" with prefect-kubernetes installed; the
  // kubernetes target's worker needs it, the docker target's does not.
  { key: "prefectWorker", variantSuffixes: ["-kubernetes"] },
  { key: "postgres", variantSuffixes: [] },
  { key: "serving", variantSuffixes: [] },
  { key: "training", variantSuffixes: [] },
];

/** "ml-platform:images.prefectWorker", the way config problems name keys. */
export function configKeyName(project: string, key: string): string {
  return `${project}:${PROMOTABLE_SECTION}.${key}`;
}
