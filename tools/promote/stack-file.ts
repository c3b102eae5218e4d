/**
 * Reads and edits the promotable section of a Pulumi.<stack>.yaml without
 * touching anything else: a value that is already there is replaced where it
 * stands, in its own quoting style, so comments, key order, `secure:` values
 * and the encryption salt stay byte for byte. A key that is missing is added
 * through the yaml Document API, and only when the library reproduces the
 * rest of the file exactly.
 */
import { isDeepStrictEqual } from "util";
import { Document, isMap, isScalar, parse, parseDocument, Scalar } from "yaml";
import { PROMOTABLE_SECTION } from "./promotable";

export class StackFileEditError extends Error {}

function parsed(text: string, file: string): Document {
  const document = parseDocument(text);
  if (document.errors.length > 0) throw new StackFileEditError(`${file}: ${document.errors[0].message}`);
  return document;
}

/** The spelling the file uses for the section's key: "ml-platform:images", or "images" unqualified. */
function sectionKey(document: Document, project: string): string {
  const config = document.get("config", true);
  const qualified = `${project}:${PROMOTABLE_SECTION}`;
  if (isMap(config) && !config.has(qualified) && config.has(PROMOTABLE_SECTION)) return PROMOTABLE_SECTION;
  return qualified;
}

/** The promotable values the file sets (keys it leaves out fall back to the schema's defaults). */
export function readPromotableValues(text: string, file: string, project: string): Record<string, string> {
  const document = parsed(text, file);
  const section = document.getIn(["config", sectionKey(document, project)], true);
  if (section === undefined || section === null) return {};
  if (!isMap(section)) throw new StackFileEditError(`${file}: ${project}:${PROMOTABLE_SECTION} must be a mapping`);
  const values: Record<string, string> = {};
  for (const pair of section.items) {
    const key = isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
    const value = isScalar(pair.value) ? pair.value.value : undefined;
    if (typeof value !== "string") {
      throw new StackFileEditError(
        `${file}: ${project}:${PROMOTABLE_SECTION}.${key} must be an image reference string`,
      );
    }
    values[key] = value;
  }
  return values;
}

/** The target the file states (ml-platform:target), or undefined; the defaults of some images depend on it. */
export function readTarget(text: string, project: string): unknown {
  const config = (parse(text) as { config?: Record<string, unknown> } | null)?.config;
  return config?.[`${project}:target`] ?? config?.target;
}

/** The value as YAML source in the scalar's own style, so the line looks as if edited by hand. */
function scalarSource(node: Scalar, value: string): string {
  if (node.type === Scalar.QUOTE_SINGLE) return `'${value.replace(/'/g, "''")}'`;
  if (node.type === Scalar.PLAIN) {
    const readsBack = (parse(`key: ${value}`) as { key?: unknown } | null)?.key === value;
    if (readsBack) return value;
  }
  return JSON.stringify(value);
}

interface Splice {
  start: number;
  end: number;
  text: string;
}

/** What the file's config should read after the edit: its own config with the updates applied. */
function expectedConfig(text: string, key: string, updates: Record<string, string>): unknown {
  const data = (parse(text) ?? {}) as { config?: Record<string, unknown> };
  const config = { ...(data.config ?? {}) };
  config[key] = { ...((config[key] as Record<string, unknown> | undefined) ?? {}), ...updates };
  return { ...data, config };
}

/** The file with `updates` (image key -> reference) written into its promotable section. */
export function writePromotableValues(
  text: string,
  file: string,
  project: string,
  updates: Record<string, string>,
): string {
  const document = parsed(text, file);
  const key = sectionKey(document, project);
  const splices: Splice[] = [];
  const missing: string[] = [];
  for (const [name, value] of Object.entries(updates)) {
    const node = document.getIn(["config", key, name], true);
    if (isScalar(node) && node.range)
      splices.push({ start: node.range[0], end: node.range[1], text: scalarSource(node, value) });
    else missing.push(name);
  }

  let result: string;
  if (missing.length === 0) {
    result = splices
      .sort((a, b) => b.start - a.start)
      .reduce((current, splice) => current.slice(0, splice.start) + splice.text + current.slice(splice.end), text);
  } else {
    if (String(parsed(text, file)) !== text) {
      throw new StackFileEditError(
        `${file} does not set ${missing.map((name) => `${key}.${name}`).join(", ")}, and adding it would reformat the file; ` +
          `add the key(s) under ${key} by hand (any pinned value) and run promote again`,
      );
    }
    for (const [name, value] of Object.entries(updates)) document.setIn(["config", key, name], value);
    result = String(document);
  }

  if (!isDeepStrictEqual(parse(result), expectedConfig(text, key, updates))) {
    throw new StackFileEditError(`${file}: the edit would change more than ${key}; nothing was written`);
  }
  return result;
}
