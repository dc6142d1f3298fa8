// What the scheduled release tests share: a spec whose version comes from a file, as a recurring
// release's would.
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Stack } from './stack';

/**
 * `recurringSpec(name, version, extra)`: a spec whose version comes from a file the test controls,
 * as a recurring release would. `stack` is read at each call (a file starts its stack in before()).
 */
export function recurringSpecs(stack: () => Stack) {
  return async function recurringSpec(
    name: string,
    version: string,
    extra: Parameters<Stack['appSpec']>[1] = {},
  ): Promise<string> {
    const versionFile = path.join(path.dirname(stack().writeSpec('probe.yaml', {})), `${name}.VERSION`);
    writeFileSync(versionFile, `${version}\nbuilt by CI\n`);
    const spec = (await stack().appSpec('unused', extra)) as Record<string, unknown>;
    delete spec.version;
    return stack().writeSpec(`${name}.yaml`, { ...spec, versionFrom: { command: ['cat', versionFile] } });
  };
}
