/**
 * One RemoteImage per distinct image reference. Containers take the pulled
 * image's ID rather than its name, so a container is replaced exactly when
 * the image behind it changes.
 */
import * as crypto from "crypto";
import * as docker from "@pulumi/docker";
import * as pulumi from "@pulumi/pulumi";

export interface PlatformImagesArgs {
  /** Image references (pinned tags or digests); duplicates are pulled once. */
  references: string[];
}

/** A resource-name-safe form of a reference; a short hash keeps two look-alike references apart. */
export function imageRole(reference: string, taken: Set<string>): string {
  const slug = reference
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "");
  if (!taken.has(slug)) return slug;
  return `${slug}-${crypto.createHash("sha256").update(reference).digest("hex").slice(0, 8)}`;
}

export class PlatformImages extends pulumi.ComponentResource {
  readonly images: Record<string, docker.RemoteImage>;

  constructor(name: string, args: PlatformImagesArgs, opts?: pulumi.ComponentResourceOptions) {
    super("ml-platform:docker:Images", name, {}, opts);
    this.images = {};
    const taken = new Set<string>();
    for (const reference of [...new Set(args.references)].sort()) {
      const role = imageRole(reference, taken);
      taken.add(role);
      // keepLocally: other projects on the host may use the same image; destroy must not delete it.
      this.images[reference] = new docker.RemoteImage(
        `${name}-${role}`,
        { name: reference, keepLocally: true },
        { parent: this },
      );
    }
    this.registerOutputs({
      imageIds: Object.fromEntries(Object.entries(this.images).map(([reference, image]) => [reference, image.imageId])),
    });
  }

  /** The pulled image's ID; what a container's `image` must be. */
  imageId(reference: string): pulumi.Output<string> {
    const image = this.images[reference];
    if (!image) throw new pulumi.ResourceError(`image ${reference} is not among the platform's images`, this);
    return image.imageId;
  }
}
