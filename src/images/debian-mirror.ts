import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { DocklabError } from '../errors.js';

const FALLBACK_MIRROR = 'http://deb.debian.org/debian';

/**
 * The Debian mirror stand-ins are built from: $DOCKLAB_DEBIAN_MIRROR, else
 * the first Debian archive in the machine's apt sources (one-line or deb822
 * form), else deb.debian.org.
 */
export function debianMirror(env: NodeJS.ProcessEnv = process.env): string {
  if (env.DOCKLAB_DEBIAN_MIRROR) return env.DOCKLAB_DEBIAN_MIRROR.replace(/\/$/, '');
  for (const file of aptSourceFiles()) {
    const found = firstDebianUri(readFileSync(file, 'utf8'));
    if (found) return found;
  }
  return FALLBACK_MIRROR;
}

function aptSourceFiles(): string[] {
  const files = ['/etc/apt/sources.list'];
  const dir = '/etc/apt/sources.list.d';
  if (existsSync(dir)) {
    for (const name of readdirSync(dir).sort()) {
      if (name.endsWith('.list') || name.endsWith('.sources')) files.push(join(dir, name));
    }
  }
  return files.filter((f) => existsSync(f));
}

/** A Debian archive serves dists/bookworm; security and third-party archives are skipped. */
export function firstDebianUri(text: string): string | undefined {
  const uris: string[] = [];
  for (const line of text.split('\n')) {
    const oneLine = /^\s*deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line);
    if (oneLine && /^(bookworm|stable)$/.test(oneLine[2]!)) uris.push(oneLine[1]!);
  }
  // deb822 stanzas: URIs and Suites on separate lines.
  for (const stanza of text.split(/\n\s*\n/)) {
    const uri = /^URIs:\s*(\S+)/im.exec(stanza)?.[1];
    const suites = /^Suites:\s*(.+)$/im.exec(stanza)?.[1]?.split(/\s+/) ?? [];
    if (uri && suites.some((s) => s === 'bookworm' || s === 'stable')) uris.push(uri);
  }
  return uris.find((u) => /debian/.test(u) && !/security/.test(u))?.replace(/\/$/, '');
}

/** Fails with a clear line when the mirror does not answer, before any slow build starts. */
export async function assertMirrorReachable(mirror: string): Promise<void> {
  const url = `${mirror}/dists/bookworm/Release`;
  try {
    const response = await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(15_000) });
    if (response.ok) return;
    throw new Error(`HTTP ${response.status}`);
  } catch (error) {
    throw new DocklabError(
      'DOCKLAB_MIRROR_UNREACHABLE',
      `the Debian mirror ${mirror} did not answer (${(error as Error).message}); set DOCKLAB_DEBIAN_MIRROR to a mirror that does, e.g. DOCKLAB_DEBIAN_MIRROR=http://ftp.de.debian.org/debian`,
    );
  }
}
