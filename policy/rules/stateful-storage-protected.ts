/**
 * Storage that holds the platform's state (claims, claim templates, Docker
 * volumes) is protected and retained on delete, so neither `pulumi destroy`
 * nor a replacement takes the data with it; a StatefulSet must not delete
 * its claims either. Which storage holds state is the target's to say (a
 * Docker volume does unless its labels say otherwise).
 */
import { TARGET_VIEWS } from "../../components/target-views";
import { PolicySubject, Rule, stricterInProduction } from "./model";

function check(subject: PolicySubject): string[] {
  const storage = TARGET_VIEWS.statefulStorage(subject);
  if (!storage) return [];
  const { kind } = storage;
  const problems: string[] = [];
  if (!subject.options.protect) problems.push(`the ${kind} holds state but is not protected (resource option protect)`);
  if (subject.options.retainOnDelete === false)
    problems.push(`the ${kind} holds state but is not kept on delete (resource option retainOnDelete)`);
  for (const setting of storage.claimDeletion) problems.push(`the ${kind} deletes its claims (${setting})`);
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
