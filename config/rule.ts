/**
 * The shape of a rule that relates several config keys, and of a key that
 * moved. The shared rules live in validate.ts; each target's own rules and
 * moved keys live in its folder and reach the validation through the target
 * registry.
 */
import { ParsedPlatformConfig } from "./schema";

/** Records a problem at a key path (without the "ml-platform:" namespace). */
export type AddProblem = (path: string[], message: string) => void;

/**
 * A key that moved: a config that still sets it is refused, with the key it
 * is now (a setting only one target reads moves into that target's section).
 */
export interface MovedKey {
  from: string[];
  to: string[];
}

export interface CrossKeyRule {
  /** Key paths the rule reads; it runs only when all of them are well-formed. */
  needs: string[][];
  /** Sees the schema's verdict, before the target's defaults: a key left out is undefined where it has none. */
  check: (config: ParsedPlatformConfig, add: AddProblem) => void;
}
