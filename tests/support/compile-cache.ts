/**
 * Loaded by mocha (--require) in every worker: turns on Node's on-disk compile
 * cache for the workers and, through NODE_COMPILE_CACHE, for every process the
 * tests start (renders, tools, project copies), so each of them loads the
 * Pulumi SDK's modules from cached bytecode instead of compiling them again.
 * Node checks each cached entry against its source, so a stale entry is never
 * used.
 */
import * as nodeModule from "module";
import * as path from "path";

const directory =
  process.env.NODE_COMPILE_CACHE ??
  path.join(__dirname, "..", "..", "..", "node_modules", ".cache", "node-compile-cache");
process.env.NODE_COMPILE_CACHE = directory;
nodeModule.enableCompileCache?.(directory);
