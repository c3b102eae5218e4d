/**
 * The mock state of @pulumi/kubernetes objects: the inputs, with the name
 * Kubernetes would default to and a uid derived from the name, so references
 * survive into the render and two renders are byte-identical.
 */
import type { MockState } from "../../offline-render";
import { digest } from "../../../tools/render/mocks";

function uuidFrom(text: string): string {
  const hex = digest(text);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

const kubernetesState: MockState = (name, inputs) => {
  const metadata = (inputs.metadata ?? {}) as Record<string, unknown>;
  return {
    ...inputs,
    metadata: { ...metadata, name: metadata.name ?? name, uid: uuidFrom(`${name}/${String(metadata.name ?? name)}`) },
  };
};

/** Every Kubernetes provider resource type has the same state: its object with a name and a uid. */
export function kubernetesMockState(type: string): MockState | undefined {
  return type.startsWith("kubernetes:") ? kubernetesState : undefined;
}
