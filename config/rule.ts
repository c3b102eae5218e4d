/**
 * The shape of a rule that relates several config keys. The shared rules live
 * in validate.ts; each target's own rules live in its folder and reach the
 * validation through the target registry.
 */
import { ParsedPlatformConfig } from "./schema";

/** Records a problem at a key path (without the "ml-platform:" namespace). */
export type AddProblem = (path: string[], message: string) => void;

export interface CrossKeyRule {
  /** Key paths the rule reads; it runs only when all of them are well-formed. */
  needs: string[][];
  /** Sees the schema's verdict, before the target's defaults: a key left out is undefined where it has none. */
  check: (config: ParsedPlatformConfig, add: AddProblem) => void;
}
