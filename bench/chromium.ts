/**
 * Debian's chromium, headless, driven by playwright-core (which never downloads a browser
 * here: it is given the system's executable). Shared by the report's browser tests and the
 * report load benchmark.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

/** How to get the browser on a fresh Debian machine (and in .ci/run). */
export const INSTALL_CHROMIUM = 'apt-get update && apt-get install -y chromium';

/** The chromium executable on PATH, or undefined. */
export function chromiumPath(): string | undefined {
  try {
    const path = execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
    return path || undefined;
  } catch {
    return undefined;
  }
}

export interface Browser { context: BrowserContext; close(): Promise<void> }

/** A fresh profile in a temporary directory, no network services, no GPU. */
export async function launchChromium(executablePath: string): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'shunt-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
    viewport: { width: 1400, height: 1000 },
  });
  return {
    context,
    close: async () => {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}
