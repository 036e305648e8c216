import { existsSync, readFileSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import { dirname, join } from 'node:path';
import type { Browser } from 'playwright-core';

import chromiumLaunch from '../../scripts/chromium.json';

/** Debian's chromium (scripts/ensure-browser.sh installs it), or PARLEY_CHROMIUM. */
export const CHROMIUM = process.env.PARLEY_CHROMIUM ?? chromiumLaunch.executablePath;

/**
 * Whether the browser tests can run. Without a Chromium they are skipped, saying so in one
 * line: the only way they may be left out.
 */
export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  process.stderr.write(
    `browser tests skipped: no Chromium at ${CHROMIUM} (scripts/ensure-browser.sh could not install Debian's chromium)\n`,
  );
  return false;
}

/**
 * Headless Chromium through playwright-core (never `playwright install`: it downloads its
 * own builds), with the flags of scripts/chromium.json. Each context gets a fresh profile.
 */
export async function launchChromium(): Promise<Browser> {
  const { chromium } = await import('playwright-core');
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: chromiumLaunch.args,
  });
}

/** socket.io-client's browser bundle, for pages that talk to the socket without the SDK. */
export function socketIoBundle(): string {
  const dist = join(dirname(require.resolve('socket.io-client/package.json')), 'dist');
  return readFileSync(join(dist, 'socket.io.esm.min.js'), 'utf8');
}

export interface PageServer {
  /** http://127.0.0.1:<port>: the origin of its pages. */
  url: string;
  close(): Promise<void>;
}

/** A web server for a test page on its own origin: path → [content type, body]. */
export async function servePages(
  port: number,
  files: Record<string, [string, string]>,
): Promise<PageServer> {
  const server: Server = createServer((req, res) => {
    const file = files[(req.url ?? '/').split('?')[0]];
    if (!file) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-type': file[0] }).end(file[1]);
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
