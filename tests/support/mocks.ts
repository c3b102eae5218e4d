/**
 * In-process Pulumi mocks for component tests. The recorder is the render's
 * own, so tests and the offline render see providers the same way.
 */
import * as pulumi from "@pulumi/pulumi";
import { RecordingMocks, RegisteredInputs, SELF_MANAGED_ORGANIZATION } from "../../tools/render/mocks";

export type { RegisteredInputs };

/** Installs fresh mocks (and optional config) for the current test. */
export function useMocks(
  stack = "test",
  config: Record<string, string> = {},
  secretKeys: string[] = [],
): RecordingMocks {
  const mocks = new RecordingMocks();
  pulumi.runtime.setMocks(mocks, "ml-platform", stack, false, SELF_MANAGED_ORGANIZATION);
  pulumi.runtime.setAllConfig(config, secretKeys);
  return mocks;
}

/** Resolves an Output's value; a rejected output rejects the promise instead of hanging. */
export function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    output.apply((value) => {
      resolve(value);
      return value;
    });
    (output as unknown as { promise(): Promise<T> }).promise().catch(reject);
  });
}

/** Waits until every registration the program started has reached the mocks. */
export async function settled(): Promise<void> {
  await new Promise((resolve) => setTimeout(resolve, 0));
  // waitForRPCs is the SDK's own drain; it is internal, so reach it by name.
  await (pulumi.runtime as unknown as { waitForRPCs(): Promise<void> }).waitForRPCs();
}

/** The registered resources of one type, failing with the list of what was registered otherwise. */
export function ofType(mocks: RecordingMocks, type: string): RegisteredInputs[] {
  return mocks.registered.filter((resource) => resource.type === type);
}

export function named(mocks: RecordingMocks, type: string, name: string): RegisteredInputs {
  const found = mocks.registered.find((resource) => resource.type === type && resource.name === name);
  if (!found) {
    const seen = mocks.registered.map((resource) => `${resource.type}::${resource.name}`).join("\n  ");
    throw new Error(`no ${type} named ${name}; registered:\n  ${seen}`);
  }
  return found;
}
