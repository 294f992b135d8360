/**
 * Which CPU architectures the stack boots, from the instance types it allows. infra/
 * imports no runtime code (the catalog lives in core/), so the architecture of a type is
 * read from its name as EC2 spells it: Graviton families carry a `g` among the letters
 * after the generation digit (m7g, c7gn, r8gd, x2gd, im4gn), and `a1` is the first
 * Graviton; every other family is x86_64. test/infra/architectures.test.ts holds this
 * rule against every type of the bundled catalog, so the two cannot drift.
 */
export type NodeArchitecture = 'arm64' | 'x86_64';

const FAMILY = /^([a-z]+)(\d+)([a-z-]*)\.[a-z0-9-]+$/;

export class InstanceTypeNameError extends Error {
  override readonly name = 'InstanceTypeNameError';
}

export function architectureOfType(instanceType: string): NodeArchitecture {
  const m = FAMILY.exec(instanceType);
  if (!m) throw new InstanceTypeNameError(`instanceTypes: "${instanceType}" is not an EC2 instance type name (family, generation, options, a dot, size: m7g.large)`);
  const [, series, generation, options] = m;
  if (series === 'a' && generation === '1') return 'arm64';
  return options.includes('g') ? 'arm64' : 'x86_64';
}

/**
 * The architectures to keep a launch template for: Graviton alone when no types are
 * named (cheaper per vCPU, and the bundled catalog is then narrowed to it by the
 * scheduler), else those of the named types, arm64 first.
 */
export function architecturesFor(instanceTypes: readonly string[] | undefined): NodeArchitecture[] {
  if (!instanceTypes || instanceTypes.length === 0) return ['arm64'];
  const found = new Set(instanceTypes.map(architectureOfType));
  return (['arm64', 'x86_64'] as const).filter((a) => found.has(a));
}
