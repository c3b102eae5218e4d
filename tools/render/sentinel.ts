/**
 * Password-shaped stand-ins for secret values a render cannot or must not
 * know: generated passwords in a sentinel render, and supplied secret values
 * the stack file holds encrypted.
 */
import * as crypto from "crypto";

/** Marks every fake secret value of a sentinel render; never part of a real value. */
export const SECRET_SENTINEL = "SECRETSENTINEL";

/** A password-shaped sentinel (letters and digits, like RandomPassword with special: false). */
export function sentinelFor(name: string, length = 32): string {
  const text = `${SECRET_SENTINEL}${crypto.createHash("sha256").update(name).digest("hex")}`;
  return text.slice(0, Math.max(length, SECRET_SENTINEL.length + 8));
}
