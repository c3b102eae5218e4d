/**
 * The secrets passphrase for self-managed backends. Pulumi reads it from
 * PULUMI_CONFIG_PASSPHRASE or PULUMI_CONFIG_PASSPHRASE_FILE. When neither is
 * set, a brand-new development stack on the project-local backend gets a
 * generated one, stored next to its state (git-ignored); any other stack gets
 * an explanation of how to set one, because guessing would lock its secrets.
 */
import * as crypto from "crypto";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { Backend, Environment, hasLocalState } from "./backend";

export type PassphraseResolution =
  { ok: true; env: Record<string, string>; notice?: string } | { ok: false; message: string };

export interface PassphraseRequest {
  backend: Backend;
  env: Environment;
  project: string;
  stack: string;
  /** The stack file's text, or undefined when there is none. */
  stackFileText?: string;
}

/** Where the generated passphrase of a stack on the project-local backend is kept. */
export function storedPassphraseFile(backend: Backend, stack: string): string | undefined {
  return backend.stateDir ? path.join(backend.stateDir, `${stack.split("/").pop()}.passphrase`) : undefined;
}

/** A stack counts as development when its environment setting says so (the project default). */
function isDevelopmentStack(project: string, stackFileText: string): boolean {
  const document = (parse(stackFileText) ?? {}) as { config?: Record<string, unknown> };
  const environment = document.config?.[`${project}:environment`] ?? document.config?.environment ?? "development";
  return environment === "development";
}

function explanation(stack: string, stackFileText: string | undefined): string {
  const name = stack.split("/").pop() as string;
  const created = stackFileText !== undefined && /^encryptionsalt:/m.test(stackFileText);
  return [
    `Stack ${stack} encrypts its secrets with a passphrase, and none is set. Set one of:`,
    `  export PULUMI_CONFIG_PASSPHRASE='<passphrase>'`,
    `  export PULUMI_CONFIG_PASSPHRASE_FILE=~/.config/ml-platform/${name}.passphrase   # a file that holds it`,
    created
      ? `Pulumi.${name}.yaml already has an encryptionsalt: use the passphrase the stack was created with.`
      : `A new stack keeps the passphrase it is created with; store it somewhere safe (a password manager, a CI secret).`,
  ].join("\n");
}

export function resolvePassphrase(request: PassphraseRequest): PassphraseResolution {
  const { backend, env, project, stack, stackFileText } = request;
  if (!backend.needsPassphrase) return { ok: true, env: {} };
  if (env.PULUMI_CONFIG_PASSPHRASE !== undefined)
    return { ok: true, env: { PULUMI_CONFIG_PASSPHRASE: env.PULUMI_CONFIG_PASSPHRASE } };
  if (env.PULUMI_CONFIG_PASSPHRASE_FILE) {
    return { ok: true, env: { PULUMI_CONFIG_PASSPHRASE_FILE: env.PULUMI_CONFIG_PASSPHRASE_FILE } };
  }

  const stored = storedPassphraseFile(backend, stack);
  const shown = stored ? path.relative(path.dirname(path.dirname(stored)), stored) : "";
  if (stored && fs.existsSync(stored)) {
    return { ok: true, env: { PULUMI_CONFIG_PASSPHRASE_FILE: stored }, notice: `Using the passphrase in ${shown}.` };
  }
  const firstUse =
    backend.isProjectLocal &&
    stored !== undefined &&
    stackFileText !== undefined &&
    isDevelopmentStack(project, stackFileText) &&
    !/^encryptionsalt:/m.test(stackFileText) &&
    !hasLocalState(backend, project, stack);
  if (!firstUse) return { ok: false, message: explanation(stack, stackFileText) };

  fs.mkdirSync(path.dirname(stored), { recursive: true });
  // No trailing newline: the file must hold exactly the passphrase, whoever reads it.
  fs.writeFileSync(stored, crypto.randomBytes(24).toString("base64url"), { mode: 0o600 });
  return {
    ok: true,
    env: { PULUMI_CONFIG_PASSPHRASE_FILE: stored },
    notice:
      `Generated a passphrase for the new development stack ${stack} and stored it in ${shown} (git-ignored, like the state beside it). ` +
      `Keep it: without it the stack's secrets cannot be decrypted. To use your own instead, set PULUMI_CONFIG_PASSPHRASE before the first run.`,
  };
}
