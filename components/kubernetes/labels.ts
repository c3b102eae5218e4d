/**
 * The recommended app.kubernetes.io labels. Every object carries all five;
 * selectors use only name and instance, which never change across updates
 * (an image tag or version in a selector would orphan the old pods).
 */

export const PART_OF = "ml-platform";
export const MANAGED_BY = "pulumi";

export type Labels = Record<string, string>;

export interface LabelSubject {
  /** The platform instance, e.g. "ml-platform-prod". */
  instance: string;
  /** The workload or object family, e.g. "model-serving". */
  name: string;
  /** Its role in the platform, e.g. "inference". */
  component: string;
}

/** The labels a selector may use: stable for the life of the workload. */
export function selectorLabels(subject: Pick<LabelSubject, "instance" | "name">): Labels {
  return {
    "app.kubernetes.io/name": subject.name,
    "app.kubernetes.io/instance": subject.instance,
  };
}

/** All recommended labels; `managedBy` differs only for objects another controller creates. */
export function objectLabels(subject: LabelSubject, managedBy: string = MANAGED_BY): Labels {
  return {
    ...selectorLabels(subject),
    "app.kubernetes.io/component": subject.component,
    "app.kubernetes.io/part-of": PART_OF,
    "app.kubernetes.io/managed-by": managedBy,
  };
}
