/**
 * The offline part of a stack's target (components/offline-render.ts), found
 * in the registry by the target's name: the render itself names no target.
 */
import type { TargetOfflineRender } from "../../components/offline-render";
import { TARGETS } from "../../components/registry";

/** The target's offline part; undefined for a name that is no target, which the program's config check refuses. */
export async function targetOfflineRender(target: string | undefined): Promise<TargetOfflineRender | undefined> {
  if (target === undefined || !Object.hasOwn(TARGETS, target)) return undefined;
  return TARGETS[target as keyof typeof TARGETS].offline();
}
