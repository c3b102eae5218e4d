/**
 * Works out a promotion from one stack file to another, without touching the
 * disk: which promotable values change, the target file's new text, or the
 * reasons it is refused.
 */
import { defaultImages, platformConfigSchema } from "../../config/schema";
import { configKeyName, PROMOTABLE_IMAGES } from "./promotable";
import { promoteReference } from "./references";
import { readPromotableValues, readTarget, writePromotableValues } from "./stack-file";

export interface StackFileText {
  stack: string;
  /** The file's name as shown to the user. */
  file: string;
  text: string;
}

export interface PromotionChange {
  /** The full config key, e.g. "ml-platform:images.serving". */
  configKey: string;
  before: string;
  after: string;
  /** How the value was mapped, when it was not copied as it is. */
  notes: string[];
}

export interface PromotionPlan {
  changes: PromotionChange[];
  /** Config keys that already hold the promoted value. */
  unchanged: string[];
  /** The target stack file with the changes written in. */
  text: string;
}

export class PromotionRefused extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
    this.name = "PromotionRefused";
  }
}

/**
 * What a stack runs for a key it leaves out: the worker's default depends on the stack's target. A stack file
 * without a valid target is refused before planning (the CLI validates both), so one here is a caller's mistake.
 */
function schemaDefaults(text: string, project: string): Record<string, string> {
  const target = platformConfigSchema.shape.target.safeParse(readTarget(text, project));
  if (!target.success) throw new PromotionRefused([`the stack file names no valid ${project}:target`]);
  return defaultImages(target.data);
}

export function planPromotion(project: string, from: StackFileText, to: StackFileText): PromotionPlan {
  const sourceDefaults = schemaDefaults(from.text, project);
  const targetDefaults = schemaDefaults(to.text, project);
  const sourceValues = readPromotableValues(from.text, from.file, project);
  const targetValues = readPromotableValues(to.text, to.file, project);
  const problems: string[] = [];
  const changes: PromotionChange[] = [];
  const unchanged: string[] = [];
  const updates: Record<string, string> = {};

  for (const { key, variantSuffixes } of PROMOTABLE_IMAGES) {
    const configKey = configKeyName(project, key);
    const source = sourceValues[key] ?? sourceDefaults[key];
    const current = targetValues[key] ?? targetDefaults[key];
    const promoted = promoteReference(source, current, variantSuffixes);
    if (!promoted.ok) {
      const origin = key in sourceValues ? from.file : `${from.file} (the default, as ${from.file} does not set it)`;
      problems.push(`${configKey} in ${origin}: ${promoted.problem}`);
      continue;
    }
    if (promoted.reference === current) {
      unchanged.push(configKey);
      continue;
    }
    updates[key] = promoted.reference;
    changes.push({ configKey, before: current, after: promoted.reference, notes: promoted.notes });
  }
  if (problems.length > 0) throw new PromotionRefused(problems);

  const text = changes.length > 0 ? writePromotableValues(to.text, to.file, project, updates) : to.text;
  return { changes, unchanged, text };
}
