// Where the real server binaries are: `temporal` from PATH first, then the project venv that
// scripts/setup-servers.sh fills.
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const root = path.resolve(__dirname, '../../..');
const venvBin = (name: string) => path.join(root, '.venv', 'bin', name);

function onPath(name: string): string | undefined {
  try {
    return execFileSync('sh', ['-c', `command -v ${name}`], { encoding: 'utf8' }).trim() || undefined;
  } catch {
    return undefined;
  }
}

function find(name: string): string {
  const found = name === 'temporal' ? (onPath(name) ?? venvBin(name)) : venvBin(name);
  if (!existsSync(found))
    throw new Error(
      `${name} not found (looked on PATH and in ${venvBin(name)}): run \`bash scripts/setup-servers.sh\``,
    );
  return found;
}

export const binaries = {
  temporal: () => find('temporal'),
  testServer: () => find('temporal-test-server'),
  moto: () => find('moto_server'),
};

export const projectRoot = root;
