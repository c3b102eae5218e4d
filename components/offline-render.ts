/**
 * The contract between the offline render (tools/render) and a target: what
 * the render needs to know of a target that it cannot learn from the neutral
 * render itself. Each target's folder has an `offline/` module that implements
 * it, registered in components/registry.ts and loaded only by the render, so
 * the deployed program never loads render code.
 */
import type { Render } from "../tools/render/model";

/** The state a mock provider returns for a resource: what the real provider would answer for these inputs. */
export type MockState = (name: string, inputs: Record<string, unknown>) => Record<string, unknown>;

export interface TargetOfflineRender {
  /**
   * The mock state of one of the target's provider resource types; undefined
   * for a type whose state is its inputs. Values derive from the inputs only,
   * so that names, IDs and references survive into the render and two renders
   * are byte-identical.
   */
  mockState(type: string): MockState | undefined;
  /**
   * Whether the deployable files place the secret values of a resource type
   * (rather than mask them): the render then keeps those values, in memory
   * only (RenderedResource.secretAwareInputs).
   */
  placesSecrets(type: string): boolean;
  /**
   * The stack's config with the values an offline render must not read
   * replaced by stand-ins (a credentials file on the deployer's machine, say),
   * before the program runs. Config as the runtime takes it: namespace:key -> text.
   * A target whose config holds no such values has none.
   */
  offlineConfig?(config: Readonly<Record<string, string>>, project: string): Record<string, string>;
  /**
   * Writes the target's deployable files for a render into `folder`, beside
   * resources.json. `previousSecrets` is the text of the earlier render's
   * secrets file (SECRETS_FILE), so that the passwords kept there survive.
   */
  writeFiles(render: Render, folder: string, previousSecrets: string | undefined): void;
}
