// Where a recurring release reads its version: the first line of a URL's body or of a
// command's output. Read once per run, in an activity, so the workflow stays deterministic.
import { execFile } from 'node:child_process';
import path from 'node:path';
import type { VersionSource } from '../../contract/spec';
import { childEnvironment } from '../environments/child-env';
import { EnvironmentError } from '../environments/provider';

const TIMEOUT_MS = 30_000;

function firstLine(text: string, from: string): string {
  const line = text
    .split('\n')
    .map((l) => l.trim())
    .find((l) => l.length > 0);
  if (!line) throw new EnvironmentError(`versionFrom: ${from} gave no version (empty output)`, true);
  if (line.length > 128)
    throw new EnvironmentError(
      `versionFrom: ${from} gave a first line of ${line.length} characters; a version has at most 128`,
      false,
    );
  return line;
}

export async function readVersion(source: VersionSource, specDir: string): Promise<string> {
  if ('url' in source) {
    let res: Response;
    try {
      res = await fetch(source.url, { signal: AbortSignal.timeout(TIMEOUT_MS) });
    } catch (err) {
      throw new EnvironmentError(
        `versionFrom.url: GET ${source.url} failed: ${(err as Error & { cause?: { code?: string } }).cause?.code ?? (err as Error).message}`,
        true,
      );
    }
    const body = await res.text();
    if (!res.ok)
      throw new EnvironmentError(`versionFrom.url: GET ${source.url} answered HTTP ${res.status}`, res.status >= 500);
    return firstLine(body, `GET ${source.url}`);
  }
  const [file, ...args] = source.command;
  const stdout = await new Promise<string>((resolve, reject) =>
    execFile(
      file,
      args,
      { cwd: specDir ? path.resolve(specDir) : undefined, timeout: TIMEOUT_MS, env: childEnvironment(process.env, {}) },
      (err, out, errOut) => {
        if (err)
          reject(
            new EnvironmentError(
              `versionFrom.command ${JSON.stringify(source.command)} failed: ${(errOut || err.message).trim().split('\n').slice(-3).join(' ')}`,
              false,
            ),
          );
        else resolve(out);
      },
    ),
  );
  return firstLine(stdout, `command ${JSON.stringify(source.command)}`);
}
