/**
 * Preloaded with `node --require` to record which Pulumi SDK modules the
 * project itself asks for. The benchmark's baseline loads exactly these, and
 * the tests use it to prove a stack never loads the other target's SDK.
 */
import * as fs from "fs";
import Module from "module";

const traceFile = process.env.ML_PLATFORM_SDK_TRACE;
const requested = new Set<string>();
const loadModule = (
  Module as unknown as { _load: (request: string, parent: NodeModule | undefined, isMain: boolean) => unknown }
)._load;

(Module as unknown as { _load: typeof loadModule })._load = function (request, parent, isMain) {
  const fromProject = parent?.filename !== undefined && !parent.filename.includes(`${"node_modules"}`);
  if (fromProject && request.startsWith("@pulumi/")) requested.add(request);
  return loadModule.call(this, request, parent, isMain);
};

process.on("exit", () => {
  if (!traceFile) return;
  const loaded = Object.keys(require.cache)
    .map((file) => /node_modules[\\/](@pulumi[\\/][^\\/]+)[\\/]/.exec(file)?.[1]?.replace(/\\/g, "/"))
    .filter((name): name is string => name !== undefined);
  fs.writeFileSync(
    traceFile,
    JSON.stringify({ requested: [...requested].sort(), packages: [...new Set(loaded)].sort() }),
  );
});
