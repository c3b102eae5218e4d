/**
 * Mock provider state that looks like what the real providers return, so that
 * names, IDs and cross-resource references survive into the render. Every
 * value is derived from the inputs: two renders are byte-identical. The
 * providers every stack uses (random, StackReference) are mocked here; a
 * target's own provider by its offline part (components/offline-render.ts).
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as pulumi from "@pulumi/pulumi";
import type { MockState } from "../../components/offline-render";
import type { GeneratedSecret } from "./model";
import { SECRET_SENTINEL, sentinelFor } from "./sentinel";

/** What pulumi.getOrganization() answers on a self-managed (file) backend. */
export const SELF_MANAGED_ORGANIZATION = "organization";

/** The key by which the SDK marks a secret value inside serialized inputs. */
const SECRET_SIGNATURE_KEY = "4dabf18193072939515e22adb298388d";

/** Whether a value that reached the mocks is a secret envelope ({ <signature>, value }). */
export function isSecretEnvelope(value: unknown): value is { value: unknown } {
  return typeof value === "object" && value !== null && SECRET_SIGNATURE_KEY in value;
}

export interface RegisteredInputs {
  type: string;
  name: string;
  custom: boolean;
  inputs: Record<string, unknown>;
  /** The provider reference ("<urn>::<id>") the SDK resolved for a custom resource; absent for the default provider. */
  provider?: string;
}

/** The hex SHA-256 of a text: every mock value derived from a name or an input comes from it. */
export function digest(text: string): string {
  return crypto.createHash("sha256").update(text).digest("hex");
}

/** What the render tool may ask of the mock provider for one run. */
export interface MockOptions {
  /**
   * Generated passwords become recognisable sentinels (SECRET_SENTINEL...) so a
   * test can trace where secret values end up; the render then writes them
   * unmasked, as they are not real.
   */
  secretSentinels?: boolean;
  /** The previous run's stack outputs, served to a StackReference to the current stack. */
  previousOutputs?: Record<string, unknown>;
  /** A file that receives one JSON line per registration as it happens, created empty at start. */
  registrationsLog?: string;
}

export { SECRET_SENTINEL, sentinelFor };

/** The value a mock RandomPassword resolves to (a sentinel in a sentinel render). */
export function mockPassword(name: string, length: number, sentinels: boolean): string {
  return sentinels ? sentinelFor(name, length) : `mock-${digest(name).slice(0, length - 5)}`;
}

export class RecordingMocks implements pulumi.runtime.Mocks {
  readonly registered: RegisteredInputs[] = [];
  readonly generatedSecrets: GeneratedSecret[] = [];

  /** `providerState` is the target's mock state of its provider's resources (its TargetOfflineRender's). */
  constructor(
    private readonly options: MockOptions = {},
    private readonly providerState: (type: string) => MockState | undefined = () => undefined,
  ) {
    if (options.registrationsLog) fs.writeFileSync(options.registrationsLog, "");
  }

  private optionalState(type: string): MockState | undefined {
    if (type === "random:index/randomPassword:RandomPassword") {
      return (name, inputs) => {
        const length = Number(inputs.length ?? 16);
        const mockValue = mockPassword(name, length, this.options.secretSentinels === true);
        this.generatedSecrets.push({ resource: name, length, mockValue });
        return { ...inputs, result: pulumi.secret(mockValue) };
      };
    }
    if (type === "pulumi:pulumi:StackReference") {
      return (_name, inputs) => ({ ...inputs, outputs: this.options.previousOutputs ?? {}, secretOutputNames: [] });
    }
    return undefined;
  }

  newResource(args: pulumi.runtime.MockResourceArgs): { id: string | undefined; state: Record<string, unknown> } {
    this.registered.push({
      type: args.type,
      name: args.name,
      custom: args.custom ?? true,
      inputs: args.inputs,
      provider: args.provider || undefined,
    });
    if (this.options.registrationsLog) {
      fs.appendFileSync(this.options.registrationsLog, `${JSON.stringify({ type: args.type, name: args.name })}\n`);
    }
    if (args.type.startsWith("pulumi:providers:")) return { id: `${args.name}-provider-id`, state: args.inputs };
    const stateFor =
      this.optionalState(args.type) ?? this.providerState(args.type) ?? ((_: string, i: Record<string, unknown>) => i);
    const state = stateFor(args.name, args.inputs);
    const id = args.id && args.id !== "" ? args.id : `${args.name}-id`;
    return { id: args.custom === false ? undefined : id, state };
  }

  call(args: pulumi.runtime.MockCallArgs): Record<string, unknown> {
    return args.inputs;
  }
}
