/** Where `run` writes the agent config and `sync` reads it. Light on purpose: `sync`'s fast path loads it (see daemon-wake.ts). */
export const DEFAULT_CONFIG_PATH = '/etc/stowage/agent.json';

export function configPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.STOWAGE_AGENT_CONFIG || DEFAULT_CONFIG_PATH;
}
