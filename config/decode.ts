/**
 * Turns the flat `namespace:key -> text` config the runtime hands over into
 * the project's own keys and values. Kept apart from load.ts, which reads the
 * config from the Pulumi runtime, so the tools that read stack files (compare,
 * promote) decode them the same way without loading the Pulumi SDK.
 */
import { PLATFORM_SCALAR_KEYS } from "./schema";
import { CONFIG_NAMESPACE } from "./validate";

function decodeScalar(key: keyof typeof PLATFORM_SCALAR_KEYS, text: string): unknown {
  if (PLATFORM_SCALAR_KEYS[key] === "boolean") {
    if (text === "true") return true;
    if (text === "false") return false;
  }
  return text;
}

function decodeStructured(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The project's keys from a flat `namespace:key -> text` map, decoded. */
export function decodeProjectConfig(flat: Record<string, string>): Record<string, unknown> {
  const raw: Record<string, unknown> = {};
  for (const [fullKey, text] of Object.entries(flat)) {
    const separator = fullKey.indexOf(":");
    if (fullKey.slice(0, separator) !== CONFIG_NAMESPACE) continue;
    const key = fullKey.slice(separator + 1);
    raw[key] =
      key in PLATFORM_SCALAR_KEYS
        ? decodeScalar(key as keyof typeof PLATFORM_SCALAR_KEYS, text)
        : decodeStructured(text);
  }
  return raw;
}
