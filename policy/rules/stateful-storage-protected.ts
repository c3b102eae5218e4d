/**
 * Storage that holds the platform's state (claims, claim templates, Docker
 * volumes) is protected and retained on delete, so neither `pulumi destroy`
 * nor a replacement takes the data with it; a StatefulSet must not delete
 * its claims either. A Docker volume is state unless it says otherwise with
 * the label HOLDS_STATE_LABEL=false (volumes rewritten from Pulumi's state on
 * every run, such as delivered files).
 */
import { DOCKER } from "../../components/docker/resource-views";
import { KUBERNETES } from "../../components/kubernetes/resource-views";
import { PolicySubject, Rule, stricterInProduction } from "./model";
import { listAt, stringAt } from "./values";

export const HOLDS_STATE_LABEL = "ml-platform.holds-state";

function declaresNoState(subject: PolicySubject): boolean {
  return listAt(subject.props, "labels").some(
    (label) => stringAt(label, "label") === HOLDS_STATE_LABEL && stringAt(label, "value") === "false",
  );
}

function storageKind(subject: PolicySubject): string | undefined {
  switch (subject.type) {
    case KUBERNETES.persistentVolumeClaim:
      return "PersistentVolumeClaim";
    case KUBERNETES.persistentVolume:
      return "PersistentVolume";
    case DOCKER.volume:
      return declaresNoState(subject) ? undefined : "Docker volume";
    case KUBERNETES.statefulSet:
      return listAt(subject.props, "spec", "volumeClaimTemplates").length > 0
        ? "StatefulSet with volumeClaimTemplates"
        : undefined;
    default:
      return undefined;
  }
}

function check(subject: PolicySubject): string[] {
  const kind = storageKind(subject);
  if (!kind) return [];
  const problems: string[] = [];
  if (!subject.options.protect) problems.push(`the ${kind} holds state but is not protected (resource option protect)`);
  if (subject.options.retainOnDelete === false)
    problems.push(`the ${kind} holds state but is not kept on delete (resource option retainOnDelete)`);
  for (const when of ["whenDeleted", "whenScaled"]) {
    if (stringAt(subject.props, "spec", "persistentVolumeClaimRetentionPolicy", when) === "Delete") {
      problems.push(`the ${kind} deletes its claims (spec.persistentVolumeClaimRetentionPolicy.${when}: Delete)`);
    }
  }
  return problems;
}

export const statefulStorageProtected: Rule = {
  name: "stateful-storage-protected",
  description:
    "PersistentVolumeClaims, StatefulSet claim templates and Docker volumes are protected and retained on delete.",
  remediation:
    "Create storage with { protect: true, retainOnDelete: true } (ml-platform:protectStorage) and keep the StatefulSet's claim retention policy at Retain.",
  enforcement: stricterInProduction,
  scope: "resource",
  check,
};
