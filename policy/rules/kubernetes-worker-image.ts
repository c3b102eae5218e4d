/**
 * Prefect's kubernetes worker (`prefect worker start --type kubernetes`)
 * needs prefect-kubernetes in its image, or it exits at start. Prefect ships
 * it in the images tagged with the "-kubernetes" variant; the config refuses
 * Prefect's own image without it. For any other image the tag is the only
 * statement a plan can check, so a worker image says it carries the
 * integration the way Prefect's do: its tag ends in "-kubernetes".
 */
import { isKubernetesVariant, KUBERNETES_WORKER_VARIANT } from "../../config/images";
import { TARGET_VIEWS } from "../../components/target-views";
import { PolicySubject, Rule, stricterInProduction } from "./model";
import { isUnknown, listAt } from "./values";

/** Whether a container's command line starts a Prefect worker of type kubernetes. */
function startsKubernetesWorker(spec: Record<string, unknown>): boolean {
  const words = [...listAt(spec, "command"), ...listAt(spec, "args")].map(String);
  const type = words.indexOf("--type");
  return words.includes("worker") && words.includes("start") && type >= 0 && words[type + 1] === "kubernetes";
}

function violations(subject: PolicySubject): string[] {
  const template = TARGET_VIEWS.podTemplate(subject);
  if (!template) return [];
  return template.containers
    .filter((container) => startsKubernetesWorker(container.spec))
    .flatMap((container) => {
      const image = container.spec.image;
      if (typeof image !== "string" || isUnknown(image) || isKubernetesVariant(image)) return [];
      return [
        `${container.label} runs Prefect's kubernetes worker from image "${image}", whose tag does not end in "${KUBERNETES_WORKER_VARIANT}": nothing says it carries prefect-kubernetes, without which the worker exits at start`,
      ];
    });
}

export const kubernetesWorkerImage: Rule = {
  name: "kubernetes-worker-image",
  description: `Prefect's kubernetes worker runs an image tagged as carrying prefect-kubernetes (a "${KUBERNETES_WORKER_VARIANT}" tag, as Prefect's own).`,
  remediation: `Use prefecthq/prefect:<version>-python<x.y>${KUBERNETES_WORKER_VARIANT}, or build your own worker image with prefect-kubernetes installed and tag it <version>${KUBERNETES_WORKER_VARIANT}.`,
  enforcement: stricterInProduction,
  scope: "resource",
  check: violations,
};
