import { spawn } from 'node:child_process';

/** `opener` is the command that opens a file in a browser here, or null when there is no display. */
export function opener(env: NodeJS.ProcessEnv = process.env, platform = process.platform): string[] | null {
  const browser = env.BROWSER?.trim();
  if (browser) return browser.split(/\s+/);
  if (platform === 'darwin') return ['open'];
  if (platform === 'win32') return ['cmd', '/c', 'start', '""'];
  return env.DISPLAY || env.WAYLAND_DISPLAY ? ['xdg-open'] : null;
}

/**
 * `openInBrowser` opens `file` with `$BROWSER`, else the platform's opener (`xdg-open` only when
 * there is a display). It never waits for the browser: the opener is started detached and
 * forgotten once it has started. Returns null when it was started, or why it was not.
 */
export async function openInBrowser(file: string): Promise<string | null> {
  const cmd = opener();
  if (cmd === null)
    return `no display to open a browser on (set BROWSER to choose one); open ${file} yourself`;
  return new Promise((resolve) => {
    const child = spawn(cmd[0], [...cmd.slice(1), file], { detached: true, stdio: 'ignore' });
    child.once('error', (e) => resolve(`could not start ${cmd[0]} (${e.message}); open ${file} yourself`));
    child.once('spawn', () => {
      child.unref();
      resolve(null);
    });
  });
}
