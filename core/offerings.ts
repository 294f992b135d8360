import type { CapacityType, InstanceType } from './model';

// The offerings memory keys on how an instance is bought, so that a type out of Spot
// capacity in a zone stays launchable on demand there (and the reverse).
export type { CapacityType } from './model';
export const ON_DEMAND: CapacityType = 'on-demand';

/** Why EC2 refused a launch, for the refusals that say where not to launch next. */
export type UnavailableReason = 'insufficient-capacity' | 'unsupported' | 'vcpu-limit';

/**
 * How long a refusal is believed. Capacity comes back within minutes (AWS's own
 * guidance is to retry shortly or elsewhere); a type missing from a zone stays missing,
 * so an hour keeps the memory small while a newly offered type is still found; a vCPU
 * quota changes only when someone asks for more (or instances end), so 15 minutes.
 */
export const UNAVAILABLE_FOR_MS: Readonly<Record<UnavailableReason, number>> = {
  'insufficient-capacity': 3 * 60_000,
  unsupported: 60 * 60_000,
  'vcpu-limit': 15 * 60_000,
};

/**
 * One remembered refusal, valid until `until`. An `offering` is one type in one zone
 * for one capacity type. A `vcpu-limit` is account-wide (EC2's quotas are per region
 * and capacity type, not per zone): no launch of `vcpus` or more until it expires,
 * while smaller types may still fit under the quota.
 */
export type UnavailableOffering =
  | {
      readonly kind: 'offering';
      readonly instanceType: string;
      readonly zone: string;
      readonly capacityType: CapacityType;
      readonly reason: 'insufficient-capacity' | 'unsupported';
      readonly until: number;
    }
  | {
      readonly kind: 'vcpu-limit';
      readonly capacityType: CapacityType;
      readonly vcpus: number;
      readonly reason: 'vcpu-limit';
      readonly until: number;
    };

/** A launch EC2 refused, as the pass saw it. */
export interface RefusedLaunch {
  readonly instanceType: string;
  readonly zone: string;
  readonly capacityType: CapacityType;
  readonly reason: UnavailableReason;
  /** The refused type's vCPUs; needed for `vcpu-limit`. */
  readonly vcpus: number;
}

/** What to remember about a refused launch from `now` on. */
export function unavailableAfter(refused: RefusedLaunch, now: number): UnavailableOffering {
  const until = now + UNAVAILABLE_FOR_MS[refused.reason];
  if (refused.reason === 'vcpu-limit') return { kind: 'vcpu-limit', capacityType: refused.capacityType, vcpus: refused.vcpus, reason: 'vcpu-limit', until };
  return { kind: 'offering', instanceType: refused.instanceType, zone: refused.zone, capacityType: refused.capacityType, reason: refused.reason, until };
}

/**
 * The entry's identity in the store: a later refusal of the same offering replaces the
 * earlier one, so the memory holds at most one entry per type × zone × capacity type
 * (plus one vCPU limit per capacity type and refused size) and stays bounded without
 * pruning. Limits are kept per size so that a larger refused launch stored after a
 * smaller one cannot erase the tighter limit (OfferingAvailability takes the tightest).
 */
export function unavailableKey(u: UnavailableOffering): string {
  return u.kind === 'offering' ? `offering#${u.instanceType}#${u.zone}#${u.capacityType}` : `vcpu-limit#${u.capacityType}#${u.vcpus}`;
}

/** vCPUs of a type: the bundled catalog's capacity is the whole instance, 1000 millicores per vCPU. */
export function vcpusOf(type: InstanceType): number {
  return Math.ceil(type.capacity.cpu / 1000);
}

/**
 * The offerings memory as of `now`: answers whether a type may be launched in a zone,
 * and if not, why. Expired entries are ignored, so the store may keep them.
 */
export class OfferingAvailability {
  private readonly offerings = new Map<string, UnavailableOffering & { kind: 'offering' }>();
  private readonly vcpuLimits = new Map<CapacityType, UnavailableOffering & { kind: 'vcpu-limit' }>();

  constructor(
    entries: readonly UnavailableOffering[],
    private readonly now: number,
  ) {
    for (const e of entries) {
      if (e.until <= now) continue;
      if (e.kind === 'offering') {
        const key = unavailableKey(e);
        const seen = this.offerings.get(key);
        if (!seen || seen.until < e.until) this.offerings.set(key, e);
      } else {
        const seen = this.vcpuLimits.get(e.capacityType);
        // The tighter limit wins: a smaller refused launch proves less room.
        if (!seen || e.vcpus < seen.vcpus || (e.vcpus === seen.vcpus && seen.until < e.until)) this.vcpuLimits.set(e.capacityType, e);
      }
    }
  }

  /** Nothing remembered: every offering may be tried. */
  get empty(): boolean {
    return this.offerings.size === 0 && this.vcpuLimits.size === 0;
  }

  /** Why `type` may not be launched in `zone` now, or null when it may. */
  whyNot(type: InstanceType, zone: string, capacityType: CapacityType = ON_DEMAND): string | null {
    const limit = this.vcpuLimits.get(capacityType);
    if (limit && vcpusOf(type) >= limit.vcpus) {
      return `${type.name} (${vcpusOf(type)} vCPUs): the account's ${capacityType} vCPU quota refused a ${limit.vcpus}-vCPU launch, held ${this.left(limit.until)}`;
    }
    const o = this.offerings.get(unavailableKey({ kind: 'offering', instanceType: type.name, zone, capacityType, reason: 'unsupported', until: 0 }));
    if (!o) return null;
    const what = o.reason === 'unsupported' ? 'not offered' : 'out of capacity';
    return `${type.name} in ${zone}: ${what}, held ${this.left(o.until)}`;
  }

  /** Whether `type` may be launched in at least one of `zones`. */
  offeredIn(type: InstanceType, zones: readonly string[], capacityType: CapacityType = ON_DEMAND): boolean {
    return zones.some((z) => this.whyNot(type, z, capacityType) === null);
  }

  private left(until: number): string {
    return `${Math.ceil((until - this.now) / 1000)} s more`;
  }
}
