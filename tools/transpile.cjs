// @ts-check
// How this project turns one TypeScript file into the CommonJS that runs from
// dist/: esbuild, file by file, with the project's tsconfig.json. tsc only
// type-checks (tools/build.mjs runs it with --noEmit); every emitted file,
// whether npm test's, npm run build's or a diff base's, comes from here.
//
// isolatedModules in tsconfig.json keeps the sources to what a file-by-file
// compiler can emit alone. One setting is esbuild's own: with module
// "commonjs" tsc turns `import()` into `require()`, while esbuild keeps the
// expression, which in Node.js is an ES module import (no directory index, no
// extensionless paths); declaring dynamic import unsupported makes esbuild
// emit a require() as tsc would.
//
// CommonJS, so that both tools/build.mjs (an ES module that runs before
// anything is compiled) and the compiled diff tool can load it.
const fs = require("node:fs");
const path = require("node:path");
const esbuild = require("esbuild");

/**
 * @typedef {object} Emitted
 * @property {string} code the JavaScript, ending with a pointer to its map when there is one
 * @property {string} [map] the source map, naming the source relative to the output
 */

/**
 * @param {string} projectDir the folder of the project's tsconfig.json
 * @param {string} sourceFile absolute path of the .ts file
 * @param {string} outputFile absolute path the .js will be written to
 * @param {boolean} sourceMap whether to emit a source map beside it
 * @returns {import("esbuild").TransformOptions}
 */
function options(projectDir, sourceFile, outputFile, sourceMap) {
  return {
    loader: "ts",
    format: "cjs",
    platform: "node",
    tsconfigRaw: fs.readFileSync(path.join(projectDir, "tsconfig.json"), "utf8"),
    supported: { "dynamic-import": false },
    // As tsc names it: relative to the map, which sits beside the output.
    sourcefile: path.relative(path.dirname(outputFile), sourceFile),
    // As tsc writes maps: without the sources inside.
    ...(sourceMap ? { sourcemap: "external", sourcesContent: false } : {}),
  };
}

/**
 * @param {import("esbuild").TransformResult} result
 * @param {string} outputFile
 * @returns {Emitted}
 */
function emitted(result, outputFile) {
  if (!result.map) return { code: result.code };
  return { code: `${result.code}//# sourceMappingURL=${path.basename(outputFile)}.map\n`, map: result.map };
}

/**
 * esbuild's complaints as an Error that names each place project-relative (esbuild names the source as the map
 * does, relative to the output), one line each: `config/cron.ts:110:6: Expected identifier but found "="`.
 * @param {unknown} error
 * @param {string} projectDir
 * @param {string} sourceFile
 * @returns {unknown}
 */
function failure(error, projectDir, sourceFile) {
  const messages = /** @type {{ errors?: import("esbuild").Message[] }} */ (error)?.errors;
  if (!Array.isArray(messages) || messages.length === 0) return error;
  const file = path.relative(projectDir, sourceFile);
  const lines = messages.map(({ text, location }) =>
    location ? `${file}:${location.line}:${location.column + 1}: ${text}` : `${file}: ${text}`,
  );
  return new Error(lines.join("\n"));
}

/**
 * Compiles one file; rejects on a syntax error with what is wrong where (see failure()).
 * @param {string} projectDir
 * @param {string} sourceFile
 * @param {string} outputFile
 * @param {{ sourceMap: boolean }} settings
 * @returns {Promise<Emitted>}
 */
async function transpile(projectDir, sourceFile, outputFile, { sourceMap }) {
  const source = await fs.promises.readFile(sourceFile, "utf8");
  try {
    return emitted(await esbuild.transform(source, options(projectDir, sourceFile, outputFile, sourceMap)), outputFile);
  } catch (error) {
    throw failure(error, projectDir, sourceFile);
  }
}

/**
 * transpile(), for callers that cannot wait on a promise.
 * @param {string} projectDir
 * @param {string} sourceFile
 * @param {string} outputFile
 * @param {{ sourceMap: boolean }} settings
 * @returns {Emitted}
 */
function transpileSync(projectDir, sourceFile, outputFile, { sourceMap }) {
  const source = fs.readFileSync(sourceFile, "utf8");
  try {
    return emitted(esbuild.transformSync(source, options(projectDir, sourceFile, outputFile, sourceMap)), outputFile);
  } catch (error) {
    throw failure(error, projectDir, sourceFile);
  }
}

module.exports = { transpile, transpileSync, transpilerVersion: esbuild.version };
