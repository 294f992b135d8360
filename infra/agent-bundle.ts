import { AssetHashType, DockerImage } from 'aws-cdk-lib';
import { Asset } from 'aws-cdk-lib/aws-s3-assets';
import { Construct } from 'constructs';
import { createHash } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

/**
 * The node agent as nodes download it: one esbuild bundle of agent/cli.ts (Node.js 22,
 * what the launch template installs) plus the `bin/stowage-agent` the user data links
 * onto PATH. Built at synthesis with the local esbuild — no Docker, no network — like
 * the Lambdas. The asset's hash covers the sources it is built from (agent/, core/), so
 * a change to either ships a new bundle.
 */
export interface AgentBundleProps {
  /** The repository root (holds agent/ and core/). */
  readonly repoRoot: string;
}

export class AgentBundle extends Construct {
  readonly asset: Asset;

  constructor(scope: Construct, id: string, props: AgentBundleProps) {
    super(scope, id);
    const root = props.repoRoot;
    this.asset = new Asset(this, 'Asset', {
      path: path.join(root, 'agent'),
      assetHashType: AssetHashType.CUSTOM,
      assetHash: sourceHash([path.join(root, 'agent'), path.join(root, 'core')]),
      bundling: {
        // Never used: local bundling always succeeds or throws.
        image: DockerImage.fromRegistry('scratch'),
        local: { tryBundle: (outputDir) => bundleAgent(root, outputDir) },
      },
    });
  }
}

/** Writes `lib/agent.js` and `bin/stowage-agent` into `outputDir`. */
export function bundleAgent(repoRoot: string, outputDir: string): boolean {
  // esbuild is a build-time dependency, loaded only when a bundle is made.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const esbuild = require('esbuild') as typeof import('esbuild');
  esbuild.buildSync({
    entryPoints: [path.join(repoRoot, 'agent', 'cli.ts')],
    bundle: true,
    platform: 'node',
    target: 'node22',
    outfile: path.join(outputDir, 'lib', 'agent.js'),
    // dockerode's SSH transport loads these optionally (try/catch); the agent talks to
    // the local socket and never needs them.
    external: ['cpu-features', '*.node'],
    logLevel: 'error',
  });
  mkdirSync(path.join(outputDir, 'bin'), { recursive: true });
  const bin = path.join(outputDir, 'bin', 'stowage-agent');
  writeFileSync(bin, "#!/usr/bin/env node\nrequire('../lib/agent.js');\n");
  chmodSync(bin, 0o755);
  return true;
}

function sourceHash(dirs: string[]): string {
  const hash = createHash('sha256');
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const file = path.join(dir, name);
      if (statSync(file).isDirectory()) walk(file);
      else if (name.endsWith('.ts') || name.endsWith('.json')) hash.update(file.slice(dir.length)).update(readFileSync(file));
    }
  };
  for (const d of dirs) walk(d);
  return hash.digest('hex');
}
