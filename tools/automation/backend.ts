/**
 * Which state backend a command talks to: PULUMI_BACKEND_URL when set,
 * otherwise a file backend inside the project (.pulumi-state, git-ignored).
 */
import * as fs from "fs";
import * as path from "path";
import { pathToFileURL } from "url";

export const LOCAL_STATE_DIR = ".pulumi-state";

export interface Backend {
  url: string;
  /** The project's own file backend, used when nothing else is configured. */
  isProjectLocal: boolean;
  /** Self-managed backends (file, s3, azblob, gs…) encrypt secrets with a passphrase by default. */
  needsPassphrase: boolean;
  /** For the project-local backend: its folder. */
  stateDir?: string;
  /** Something the user should know about this choice before it costs them state. */
  warning?: string;
}

export type Environment = Record<string, string | undefined>;

export function resolveBackend(projectDir: string, env: Environment): Backend {
  const configured = env.PULUMI_BACKEND_URL?.trim();
  if (configured) {
    const cloud = /^https?:\/\//.test(configured);
    return { url: configured, isProjectLocal: false, needsPassphrase: !cloud };
  }
  const stateDir = path.join(projectDir, LOCAL_STATE_DIR);
  const warning =
    env.CI === "true"
      ? `Warning: CI is set but PULUMI_BACKEND_URL is not, so the stack's state lives in ${LOCAL_STATE_DIR}/ of this checkout ` +
        "and is lost with it. For a lasting CI deployment set PULUMI_BACKEND_URL (e.g. s3://bucket/ml-platform, or " +
        "https://api.pulumi.com with PULUMI_ACCESS_TOKEN)."
      : undefined;
  return { url: pathToFileURL(stateDir).href, isProjectLocal: true, needsPassphrase: true, stateDir, warning };
}

/** The file backend needs its folder to exist before the first login. */
export function ensureStateDir(backend: Backend): void {
  if (backend.stateDir) fs.mkdirSync(backend.stateDir, { recursive: true });
}

/**
 * Whether the project-local backend already holds state for the stack
 * (current layout .pulumi/stacks/<project>/<stack>.json[.gz], or the older
 * project-less .pulumi/stacks/<stack>.json).
 */
export function hasLocalState(backend: Backend, project: string, stack: string): boolean {
  if (!backend.stateDir) return false;
  const name = stack.split("/").pop() as string;
  const stacksDir = path.join(backend.stateDir, ".pulumi", "stacks");
  return [path.join(stacksDir, project), stacksDir].some((dir) =>
    [`${name}.json`, `${name}.json.gz`].some((file) => fs.existsSync(path.join(dir, file))),
  );
}
