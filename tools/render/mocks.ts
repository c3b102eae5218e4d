/**
 * Mock provider state that looks like what the real providers return, so that
 * names, IDs and cross-resource references survive into the render. Every
 * value is derived from the inputs: two renders are byte-identical.
 */
import * as crypto from "crypto";
import * as pulumi from "@pulumi/pulumi";

export interface RegisteredInputs {
  type: string;
  name: string;
  custom: boolean;
  inputs: Record<string, unknown>;
}

function digest(text: string): string {
  return crypto.createHash("sha256").update(text).digest("hex");
}

function uuidFrom(text: string): string {
  const hex = digest(text);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20, 32)}`;
}

type StateFor = (name: string, inputs: Record<string, unknown>) => Record<string, unknown>;

function kubernetesState(name: string, inputs: Record<string, unknown>): Record<string, unknown> {
  const metadata = (inputs.metadata ?? {}) as Record<string, unknown>;
  return {
    ...inputs,
    metadata: { ...metadata, name: metadata.name ?? name, uid: uuidFrom(`${name}/${String(metadata.name ?? name)}`) },
  };
}

const STATE_BY_TYPE: Record<string, StateFor> = {
  "random:index/randomPassword:RandomPassword": (name, inputs) => ({
    ...inputs,
    result: pulumi.secret(`mock-${digest(name).slice(0, Number(inputs.length ?? 16) - 5)}`),
  }),
  "docker:index/remoteImage:RemoteImage": (_name, inputs) => ({
    ...inputs,
    imageId: `sha256:${digest(String(inputs.name))}`,
    repoDigest: `${String(inputs.name).split(":")[0]}@sha256:${digest(`repo/${String(inputs.name)}`)}`,
  }),
  "docker:index/container:Container": (_name, inputs) => ({ ...inputs, exitCode: 0, containerLogs: "" }),
  "docker:index/network:Network": (_name, inputs) => ({ ...inputs }),
  "docker:index/volume:Volume": (_name, inputs) => ({ ...inputs, mountpoint: `/var/lib/docker/volumes/${String(inputs.name)}/_data` }),
};

export class RecordingMocks implements pulumi.runtime.Mocks {
  readonly registered: RegisteredInputs[] = [];

  newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, unknown> } {
    this.registered.push({ type: args.type, name: args.name, custom: args.custom ?? true, inputs: args.inputs });
    if (args.type.startsWith("pulumi:providers:")) return { id: `${args.name}-provider-id`, state: args.inputs };
    const stateFor =
      STATE_BY_TYPE[args.type] ?? (args.type.startsWith("kubernetes:") ? kubernetesState : (_: string, i: Record<string, unknown>) => i);
    const state = stateFor(args.name, args.inputs);
    const id = args.id && args.id !== "" ? args.id : `${args.name}-id`;
    return { id: args.custom === false ? undefined : id, state };
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    return args.inputs;
  }
}
