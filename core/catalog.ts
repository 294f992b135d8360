import type { Architecture, InstanceType } from './model';

/**
 * On-demand Linux prices in us-east-1, USD per hour, as published on AWS's pricing page
 * https://aws.amazon.com/ec2/pricing/on-demand/ (Linux, US East (N. Virginia)) on the
 * date below. Capacity is the whole instance (vCPU × 1000 millicores, GiB × 1024 MiB);
 * agents report what is left after the system reservation.
 * Burstable types (t3, t4g) are left out on purpose: their vCPUs are full only while
 * CPU credits last, and a packer that counts them as full cores overcommits.
 * Architecture is the type's own (Graviton families, with a `g` after the generation,
 * are arm64); a node boots only an image of its architecture, so the stack keeps one
 * launch template per architecture it allows and the scheduler launches no type whose
 * architecture has none.
 */
export const CATALOG_PRICES_TAKEN = '2026-12-02';
export const CATALOG_REGION = 'us-east-1';

/**
 * The node label every agent reports its architecture in (as the kubelet reports
 * kubernetes.io/arch): the machine's own word, which for a local node is the host's,
 * whatever catalog type it plays.
 */
export const ARCH_LABEL = 'stowage.io/arch';

type Row = [name: string, vcpu: number, gib: number, pricePerHour: number];

const TO_16XL = ['large', 'xlarge', '2xlarge', '4xlarge', '8xlarge', '12xlarge', '16xlarge'] as const;
/**
 * The families that also come in 24xlarge (96 vCPUs). Their 48xlarge sizes are left out,
 * so 96 vCPUs / 768 GiB stays the largest node (and request) of the bundled catalog, as
 * with m5/c5/r5; a deployment that needs more names its own catalog.
 */
const TO_24XL = [...TO_16XL, '24xlarge'] as const;

/** A family's sizes (metal left out), priced linearly from its `large`, as AWS prices these families. */
function family(name: string, gibPerVcpu: number, largePrice: number, sizes: readonly string[]): Row[] {
  return sizes.map((size) => {
    const vcpu = size === 'large' ? 2 : size === 'xlarge' ? 4 : 4 * Number(size.replace('xlarge', ''));
    // Five decimals, as the pricing page shows them.
    return [`${name}.${size}`, vcpu, vcpu * gibPerVcpu, Math.round((largePrice * vcpu) / 2 * 1e5) / 1e5];
  });
}

const X86: readonly Row[] = [
  ['m5.large', 2, 8, 0.096],
  ['m5.xlarge', 4, 16, 0.192],
  ['m5.2xlarge', 8, 32, 0.384],
  ['m5.4xlarge', 16, 64, 0.768],
  ['m5.8xlarge', 32, 128, 1.536],
  ['m5.12xlarge', 48, 192, 2.304],
  ['m5.16xlarge', 64, 256, 3.072],
  ['m5.24xlarge', 96, 384, 4.608],
  ['c5.large', 2, 4, 0.085],
  ['c5.xlarge', 4, 8, 0.17],
  ['c5.2xlarge', 8, 16, 0.34],
  ['c5.4xlarge', 16, 32, 0.68],
  ['c5.9xlarge', 36, 72, 1.53],
  ['c5.12xlarge', 48, 96, 2.04],
  ['c5.18xlarge', 72, 144, 3.06],
  ['c5.24xlarge', 96, 192, 4.08],
  ['r5.large', 2, 16, 0.126],
  ['r5.xlarge', 4, 32, 0.252],
  ['r5.2xlarge', 8, 64, 0.504],
  ['r5.4xlarge', 16, 128, 1.008],
  ['r5.8xlarge', 32, 256, 2.016],
  ['r5.12xlarge', 48, 384, 3.024],
  ['r5.16xlarge', 64, 512, 4.032],
  ['r5.24xlarge', 96, 768, 6.048],
  // Intel Sapphire Rapids, the current x86 peers of m7g / c7g / r7g.
  ...family('m7i', 4, 0.1008, TO_24XL),
  ...family('c7i', 2, 0.08925, TO_24XL),
  ...family('r7i', 8, 0.1323, TO_24XL),
];

const ARM64: readonly Row[] = [
  ['m6g.large', 2, 8, 0.077],
  ['m6g.xlarge', 4, 16, 0.154],
  ['m6g.2xlarge', 8, 32, 0.308],
  ['m6g.4xlarge', 16, 64, 0.616],
  ['m6g.8xlarge', 32, 128, 1.232],
  ['m6g.12xlarge', 48, 192, 1.848],
  ['m6g.16xlarge', 64, 256, 2.464],
  // Graviton3 and Graviton4.
  ...family('m7g', 4, 0.0816, TO_16XL),
  ...family('c7g', 2, 0.0725, TO_16XL),
  ...family('r7g', 8, 0.1071, TO_16XL),
  ...family('m8g', 4, 0.08976, TO_24XL),
];

export const DEFAULT_CATALOG: readonly InstanceType[] = [
  ...X86.map((r) => typeOf(r, 'x86_64')),
  ...ARM64.map((r) => typeOf(r, 'arm64')),
];

function typeOf([name, vcpu, gib, price]: Row, arch: Architecture): InstanceType {
  return { name, capacity: { cpu: vcpu * 1000, memoryMiB: gib * 1024 }, pricePerHour: price, arch };
}

export function findInstanceType(catalog: readonly InstanceType[], name: string): InstanceType | undefined {
  return catalog.find((t) => t.name === name);
}

/**
 * A node's architecture: what its agent reports (the label), else what the catalog says
 * of its type (a node not heard from yet), else undefined — and an unknown
 * architecture satisfies no job that requires one.
 */
export function nodeArchitecture(node: { readonly instanceType: string; readonly labels: Readonly<Record<string, string>> }): Architecture | undefined {
  const reported = node.labels[ARCH_LABEL];
  if (reported === 'arm64' || reported === 'x86_64') return reported;
  return ARCH_OF_TYPE.get(node.instanceType);
}

/** Looked up for every node of every pass (placement builds its bins from them): a map, not a scan. */
const ARCH_OF_TYPE: ReadonlyMap<string, Architecture> = new Map([...X86.map(([name]) => [name, 'x86_64'] as const), ...ARM64.map(([name]) => [name, 'arm64'] as const)]);
