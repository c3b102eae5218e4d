/**
 * The Debian mirror this machine's apt uses, so the base image and its
 * packages come from the same place as the host's own (deb822 `.sources`
 * files or one-line `sources.list` entries).
 */
import * as fs from "fs";
import * as path from "path";

export interface DebianMirror {
  /** Serves bookworm and bookworm-updates. */
  archive: string;
  /** Serves bookworm-security. */
  security: string;
}

const DEFAULT_MIRROR: DebianMirror = {
  archive: "http://deb.debian.org/debian",
  security: "http://deb.debian.org/debian-security",
};

interface Entry {
  uri: string;
  suites: string[];
}

function deb822Entries(text: string): Entry[] {
  return text.split(/\n\s*\n/).flatMap((stanza) => {
    const field = (name: string): string | undefined => new RegExp(`^${name}:\\s*(.+)$`, "mi").exec(stanza)?.[1].trim();
    const types = field("Types") ?? "";
    const uri = field("URIs")?.split(/\s+/)[0];
    const enabled = (field("Enabled") ?? "yes").toLowerCase() !== "no";
    if (!enabled || !uri || !types.split(/\s+/).includes("deb")) return [];
    return [{ uri, suites: (field("Suites") ?? "").split(/\s+/) }];
  });
}

function oneLineEntries(text: string): Entry[] {
  return text.split("\n").flatMap((line) => {
    const match = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line.trim());
    return match ? [{ uri: match[1], suites: [match[2]] }] : [];
  });
}

function aptEntries(): Entry[] {
  const entries: Entry[] = [];
  const read = (file: string): string => (fs.existsSync(file) ? fs.readFileSync(file, "utf8") : "");
  entries.push(...oneLineEntries(read("/etc/apt/sources.list")));
  const dir = "/etc/apt/sources.list.d";
  for (const name of fs.existsSync(dir) ? fs.readdirSync(dir).sort() : []) {
    const file = path.join(dir, name);
    if (name.endsWith(".sources")) entries.push(...deb822Entries(read(file)));
    else if (name.endsWith(".list")) entries.push(...oneLineEntries(read(file)));
  }
  return entries;
}

export function debianMirror(): DebianMirror {
  const entries = aptEntries();
  const strip = (uri: string): string => uri.replace(/\/+$/, "");
  const archive = entries.find((entry) => entry.suites.includes("bookworm"));
  const security = entries.find((entry) => entry.suites.includes("bookworm-security"));
  return {
    archive: archive ? strip(archive.uri) : DEFAULT_MIRROR.archive,
    security: security ? strip(security.uri) : DEFAULT_MIRROR.security,
  };
}
