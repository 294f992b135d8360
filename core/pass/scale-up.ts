import type { CapacityType, InstanceType, Node } from '../model';
import type { Waiting } from './place';
import type { PlacementRound } from './placement-round';
import type { PlanBuilder } from './plan-builder';
import type { Launch, LaunchOffering } from './plan-types';
import type { SnapshotIndex } from './snapshot';
import type { SchedulerPolicy } from '../policy';
import { binFrom, type Bin, type PlacementTask } from '../placement/bin';
import { nodeArchitecture } from '../catalog';
import { launchHoldOf, type LaunchHold } from '../launch-hold';
import { OfferingAvailability } from '../offerings';
import { typesPricedFor } from '../spot-prices';
import { acceptsCapacity, capacityTypeOf } from '../capacity';
import { compareStrings } from '../compare';
import { allowsArch, allowsInstanceType, allowsZone, matchesLabels } from '../placement/filters';
import { packNodeClaims } from '../placement/node-claims';
import { packTasks } from '../placement/packer';
import type { ResourceWeights } from '../placement/scorers';
import { spreadCount, withTally, type SpreadRule, type SpreadTally } from '../placement/spread';
import { STRATEGIES } from '../placement/strategies';
import { add, fits, formatResources, ZERO, type Resources } from '../resources';

/**
 * Scale-up: which instances to launch for the tasks no node could take. The pending
 * tasks are packed onto imagined new nodes; each time one is needed, the type chosen
 * is the one whose fill from the tasks still waiting is worth the most per dollar,
 * valuing CPU and memory at the catalog's own market rates. That buys a large node
 * for a burst and a small one for a straggler, and never a type that cannot hold the
 * task at hand.
 */
export interface ScaleUpResult {
  readonly launches: Launch[];
  /** Reason per task id: waiting for which launch, or why none can be made. */
  readonly reasons: Map<string, string>;
}

/**
 * The scale-up stage: launches sized for what placement left waiting, and for each
 * waiting copy the reason it waits (what no node offered, then which launch it waits
 * for or why none can be made). A copy lost this pass stays LOST with both reasons, so
 * the next pass still knows to release its old node.
 */
export function scaleUp(waiting: readonly Waiting[], round: PlacementRound, index: SnapshotIndex, builder: PlanBuilder, policy: SchedulerPolicy): void {
  const limits = launchLimitsOf(index, builder.now);
  const planned = planLaunches(waiting.map((w) => w.task), policy, round.liveNodes, round.scoring.weights, round.spread, limits);
  for (const l of planned.launches) builder.launch(l);
  for (const w of waiting) {
    const reason = `${w.reason}; ${planned.reasons.get(w.task.id)}`;
    builder.leaveUnplaced({ taskId: w.task.id, reason });
    const task = index.tasks.get(w.task.id)!;
    const lostFrom = round.lost.get(task.id);
    const to = lostFrom ? 'LOST' : 'PENDING';
    if (task.status !== to || task.reason !== reason || lostFrom) {
      // A copy lost with its node becomes placeable now: its wait (the tasks-waiting alarm,
      // control/pass/pending-age.ts) counts from here, not from when it was first created.
      builder.updateTask({
        taskId: task.id,
        from: task.status,
        generation: task.generation,
        to,
        reason: lostFrom ? `${lostFrom.reason}; ${reason}` : reason,
        releaseFrom: lostFrom?.nodeId,
        ...(lostFrom ? { notBefore: builder.now } : {}),
      });
    }
  }
}

/**
 * What bounds launches besides the policy: offerings EC2 refused recently (never the
 * same type in the same zone before its entry expires) and a hold after launches that
 * never heartbeated.
 */
export interface LaunchLimits {
  readonly availability: OfferingAvailability;
  readonly hold?: LaunchHold;
}

export const NO_LIMITS: LaunchLimits = { availability: new OfferingAvailability([], 0) };

/** The limits the snapshot carries, as of `now`. */
export function launchLimitsOf(index: SnapshotIndex, now: number): LaunchLimits {
  const hold = launchHoldOf(index.snapshot.launchTimeouts, now);
  return { availability: new OfferingAvailability(index.snapshot.unavailable ?? [], now), ...(hold ? { hold } : {}) };
}

/** How many waiting tasks a type is test-filled with when choosing; bounds the cost per launch. */
const CHOICE_WINDOW = 256;

/**
 * `fleet`: the nodes that exist once this pass applies (not LOST or TERMINATING); they
 * count against maxNodes. `spread`: the pass's spread counts; the imagined nodes are
 * packed against a fork of it, so a spread job gets as many distinct new nodes (or
 * zones) as its copies need and the pass's own counts are left as placement made them.
 */
export function planLaunches(
  tasks: readonly PlacementTask[],
  policy: SchedulerPolicy,
  fleet: readonly Node[],
  weights: ResourceWeights,
  spread?: SpreadTally,
  limits: LaunchLimits = NO_LIMITS,
): ScaleUpResult {
  const { scaleUp } = policy;
  const reasons = new Map<string, string>();
  if (!scaleUp.enabled || scaleUp.instanceTypes.length === 0) {
    for (const t of tasks) reasons.set(t.id, 'no node fits and scale-up is disabled');
    return { launches: [], reasons };
  }
  const { availability, hold } = limits;
  // A held fleet launches nothing; once the hold's probe is due, one node at a time, so
  // a cause that persists costs one more instance, not a burst of them.
  const probing = hold?.probe === true && !fleet.some((n) => n.state === 'LAUNCHING');
  const maxNew = Math.min(scaleUp.maxNodes - fleet.length, probing ? 1 : Infinity);
  // Tasks no new node could take (labels new nodes lack, zones outside the fleet's, types
  // not in the catalog) wait for an existing node; sizing launches for them would buy
  // nodes the packer then refuses.
  const launchable: PlacementTask[] = [];
  for (const t of spread ? withTally(tasks, spread.fork()) : tasks) {
    const why = whyNoNewNodeFits(t, policy, availability);
    if (why) reasons.set(t.id, why);
    else launchable.push(t);
  }
  if (hold && !probing) {
    const why = hold.probe ? `${hold.reason}; a probe launch is under way` : hold.reason;
    for (const t of launchable) reasons.set(t.id, `no node fits; ${why}`);
    return { launches: [], reasons };
  }
  const rates = marketRates(scaleUp.instanceTypes);
  const zoneCounts = new Map<string, number>(scaleUp.zones.map((z) => [z, 0]));
  for (const n of fleet) zoneCounts.set(n.zone, (zoneCounts.get(n.zone) ?? 0) + 1);
  // Spot first for the copies that accept it; what accepts On-Demand too falls back to it
  // when no Spot offering may be launched, and a launch carries only copies its capacity
  // type suits, so a Spot node is never sized for an on-demand-only copy.
  const spotFirst = launchable.filter(acceptsSpot);
  const onDemand = launchable.filter((t) => !acceptsSpot(t));
  const launches: Launch[] = [];
  const context: LaunchContext = { policy, fleet, weights, availability, hold, probing, rates, zoneCounts, reasons };
  if (spotFirst.length > 0) {
    const spot = launchesOf(spotFirst, 'spot', maxNew, context);
    launches.push(...spot.launches);
    for (const t of spot.noOffering) if (t.capacity === 'spot-or-on-demand') onDemand.push(t);
  }
  if (onDemand.length > 0) {
    onDemand.sort((a, b) => a.arrival - b.arrival);
    launches.push(...launchesOf(onDemand, 'on-demand', maxNew - launches.length, context).launches);
  }
  return { launches, reasons };
}

/** A copy Spot may serve; one that does not say (a trace's, a test's) is launched for on demand, as before Spot existed. */
function acceptsSpot(t: PlacementTask): boolean {
  return t.capacity === 'spot' || t.capacity === 'spot-or-on-demand';
}

interface LaunchContext {
  readonly policy: SchedulerPolicy;
  readonly fleet: readonly Node[];
  readonly weights: ResourceWeights;
  readonly availability: OfferingAvailability;
  readonly hold: LaunchHold | undefined;
  readonly probing: boolean;
  readonly rates: MarketRates;
  readonly zoneCounts: Map<string, number>;
  readonly reasons: Map<string, string>;
}

/**
 * Launches of one capacity type for `launchable`, at most `maxNew`. Spot types are
 * priced at their Spot price (spot-prices.ts), so the choice of type weighs what is paid.
 * `noOffering`: the copies no offering of this capacity type may be launched for now
 * (every type that holds them refused in every zone they allow).
 */
function launchesOf(launchable: readonly PlacementTask[], capacityType: CapacityType, maxNew: number, ctx: LaunchContext): { launches: Launch[]; noOffering: PlacementTask[] } {
  const { policy, weights, availability, hold, probing, rates, zoneCounts, reasons, fleet } = ctx;
  const { scaleUp } = policy;
  const priced = typesPricedFor(scaleUp.instanceTypes, capacityType);
  const offered = availability.empty ? priced : priced.filter((t) => availability.offeredIn(t, scaleUp.zones, capacityType));
  const noOffering: PlacementTask[] = [];
  const candidates: PlacementTask[] = [];
  for (const t of launchable) {
    const zones = scaleUp.zones.filter((z) => allowsZone(t.constraints, z));
    if (offered.some((type) => launchableFor(t, type) && fits(t.resources, type.capacity) && availability.offeredIn(type, zones, capacityType))) candidates.push(t);
    else {
      noOffering.push(t);
      reasons.set(t.id, `no node fits and EC2 refused every ${capacityType} offering that holds it in its zones; the next launch is tried when a refusal expires`);
    }
  }
  if (scaleUp.provisioner === 'karpenter') {
    const k = karpenterLaunches(candidates, reasons, policy, offered, availability, maxNew, zoneCounts, capacityType);
    return { launches: k, noOffering };
  }
  const bins: Bin[] = [];
  const refusedHere = new Map<string, string>();
  const open = (waiting: readonly PlacementTask[], index: number): Bin | undefined => {
    if (bins.length >= maxNew) return undefined;
    const task = waiting[index];
    const zones = zoneCandidates(task, scaleUp.zones, zoneCounts);
    if (zones.length === 0) return undefined; // every allowed zone holds the most copies the job's zone spread allows
    // The type is chosen among those some candidate zone still offers, then launched in
    // the least used zone that offers it: a refusal moves the launch to another zone
    // first, and to the next-best type only where the type is refused everywhere.
    const types = offered.filter((t) => zones.some((z) => availability.whyNot(t, z, capacityType) === null));
    const type = chooseType(waiting, index, zones[0], types, policy, rates, maxNew - bins.length);
    if (!type) {
      refusedHere.set(task.id, `no node fits and no allowed instance type that holds it may be launched in [${zones.join(', ')}] now`);
      return undefined;
    }
    const zone = zones.find((z) => availability.whyNot(type, z, capacityType) === null)!;
    zoneCounts.set(zone, (zoneCounts.get(zone) ?? 0) + 1);
    return binFrom(
      { id: `launch-${capacityType}-${bins.length}`, instanceType: type.name, zone, labels: scaleUp.nodeLabels, capacity: type.capacity, state: 'LAUNCHING', arch: type.arch, capacityType },
      ZERO,
      Number.MAX_SAFE_INTEGER - 1_000_000 + bins.length,
    );
  };
  const result = packTasks(candidates, bins, { strategy: STRATEGIES[policy.strategy], openBin: open, weights });
  const forBin = new Map<string, string[]>();
  for (const p of result.placements) {
    const list = forBin.get(p.binId) ?? [];
    list.push(p.taskId);
    forBin.set(p.binId, list);
  }
  const byId = new Map(candidates.map((t) => [t.id, t]));
  const launches: Launch[] = bins.map((bin) => {
    const type = offered.find((t) => t.name === bin.instanceType)!;
    const forTasks = forBin.get(bin.id) ?? [];
    for (const id of forTasks) reasons.set(id, `waiting for a new ${capacityType === 'spot' ? 'Spot ' : ''}${type.name} node in ${bin.zone}`);
    return launchOf(type, bin.zone, forTasks.map((id) => byId.get(id)!), capacityType, offered, ctx, `${forTasks.length} pending task(s) fit no node`);
  });
  const atMax = fleet.length + bins.length >= scaleUp.maxNodes;
  for (const [id] of result.unplaced) {
    const rule = byId.get(id)?.spread;
    reasons.set(
      id,
      refusedHere.get(id) ??
        (probing && !atMax
          ? `no node fits; ${hold!.reason}; one probe launch this pass`
          : !atMax && rule
            ? `no new node can take it without breaking spread:${rule.scope} (at most ${rule.max} cop${rule.max === 1 ? 'y' : 'ies'} per ${rule.scope})`
            : `no node fits and the fleet is at its maximum of ${scaleUp.maxNodes} nodes`),
    );
  }
  return { launches, noOffering };
}

/**
 * The launch of one `type` in `zone` for `forTasks`. A Spot launch also names the other
 * offerings that could hold the same copies (spotAlternatives), so the cloud can pick
 * the pool least likely to be interrupted rather than the single cheapest.
 */
function launchOf(type: InstanceType, zone: string, forTasks: readonly PlacementTask[], capacityType: CapacityType, offered: readonly InstanceType[], ctx: LaunchContext, reason: string): Launch {
  const { scaleUp } = ctx.policy;
  const base: Launch = { instanceType: type.name, zone, pricePerHour: type.pricePerHour, labels: scaleUp.nodeLabels, reason, forTasks: forTasks.map((t) => t.id) };
  return capacityType === 'spot' ? asSpotLaunch(base, forTasks, offered, scaleUp.zones, ctx.availability) : base;
}

/**
 * `launch` bought as Spot, naming the other pools among `types` (at their Spot prices)
 * and `zones` that could hold the same copies (spotAlternatives). Scale-up's launches,
 * the Karpenter provisioner's and consolidation's replacements all go through here.
 */
export function asSpotLaunch(launch: Launch, forTasks: readonly PlacementTask[], types: readonly InstanceType[], zones: readonly string[], availability: OfferingAvailability): Launch {
  const alternatives = spotAlternatives({ instanceType: launch.instanceType, zone: launch.zone, pricePerHour: launch.pricePerHour }, forTasks, types, zones, availability);
  return { ...launch, capacityType: 'spot', ...(alternatives.length > 0 ? { alternatives } : {}) };
}

/**
 * EC2's price-capacity-optimized allocation "identifies the pools with the highest
 * capacity availability for the number of instances that are launching ... and then
 * requests Spot Instances from the lowest priced of these pools"
 * (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/ec2-fleet-allocation-strategy.html):
 * it can only choose among the pools it is offered. So a Spot launch offers every
 * (type, zone) pool that could hold the copies it was sized for, priced within
 * SPOT_PRICE_BAND of the cheapest such pool (a deeper pool may cost a little more, never
 * much more), skipping pools EC2 refused recently. AWS's Spot best practices ask for
 * flexibility across at least 10 instance types
 * (https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/spot-best-practices.html); the list
 * is capped at MAX_SPOT_OFFERINGS so a request stays small. A copy spread by zone keeps
 * its zone. Sorted by price, then type and zone, so the plan is deterministic.
 */
export function spotAlternatives(planned: LaunchOffering, forTasks: readonly PlacementTask[], types: readonly InstanceType[], zones: readonly string[], availability: OfferingAvailability): LaunchOffering[] {
  const need = forTasks.reduce((sum, t) => add(sum, t.resources), ZERO);
  const allowedZones = forTasks.some((t) => t.spread?.scope === 'zone') ? [planned.zone] : zones.filter((z) => forTasks.every((t) => allowsZone(t.constraints, z)));
  const pools: LaunchOffering[] = [];
  for (const type of types) {
    if (!fits(need, type.capacity) || !forTasks.every((t) => launchableFor(t, type))) continue;
    for (const zone of allowedZones) {
      if (availability.whyNot(type, zone, 'spot') === null) pools.push({ instanceType: type.name, zone, pricePerHour: type.pricePerHour });
    }
  }
  if (pools.length === 0) return [];
  const ceiling = Math.min(planned.pricePerHour, ...pools.map((p) => p.pricePerHour)) * SPOT_PRICE_BAND;
  return pools
    .filter((p) => p.pricePerHour <= ceiling + 1e-12 && !(p.instanceType === planned.instanceType && p.zone === planned.zone))
    .sort((a, b) => a.pricePerHour - b.pricePerHour || compareStrings(a.instanceType, b.instanceType) || compareStrings(a.zone, b.zone))
    .slice(0, MAX_SPOT_OFFERINGS - 1);
}

/** A pool at most this many times the cheapest one's price is offered to a Spot launch. */
export const SPOT_PRICE_BAND = 1.2;
/** At most this many (type, zone) pools per Spot launch, the planned one included. */
export const MAX_SPOT_OFFERINGS = 20;

/**
 * Karpenter's provisioner (placement/node-claims.ts): one launch per node claim, each in
 * the zone with the fewest nodes. With Spot allowed, Karpenter launches a claim as Spot
 * with price-capacity-optimized over every type the claim could use
 * (https://karpenter.sh/docs/concepts/nodepools/#capacity-type), priced here at Spot
 * prices, so the claim's cheapest option is the cheapest Spot one.
 */
function karpenterLaunches(
  tasks: readonly PlacementTask[],
  reasons: Map<string, string>,
  policy: SchedulerPolicy,
  offered: readonly InstanceType[],
  availability: OfferingAvailability,
  maxNew: number,
  zoneCounts: Map<string, number>,
  capacityType: CapacityType,
): Launch[] {
  const { scaleUp } = policy;
  const { claims, unplaced } = packNodeClaims(tasks, offered, maxNew);
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const launches: Launch[] = claims.map((claim) => {
    const zones = zoneCandidates(byId.get(claim.taskIds[0])!, scaleUp.zones, zoneCounts);
    const zone = zones.find((z) => availability.whyNot(claim.type, z, capacityType) === null) ?? zones[0] ?? scaleUp.zones[0];
    zoneCounts.set(zone, (zoneCounts.get(zone) ?? 0) + 1);
    for (const id of claim.taskIds) reasons.set(id, `waiting for a new ${capacityType === 'spot' ? 'Spot ' : ''}${claim.type.name} node in ${zone}`);
    const launch: Launch = { instanceType: claim.type.name, zone, pricePerHour: claim.type.pricePerHour, labels: scaleUp.nodeLabels, reason: `${claim.taskIds.length} pending task(s) fit no node`, forTasks: claim.taskIds };
    return capacityType === 'spot' ? asSpotLaunch(launch, claim.taskIds.map((id) => byId.get(id)!), offered, scaleUp.zones, availability) : launch;
  });
  for (const id of unplaced) reasons.set(id, `no node fits and the fleet is at its maximum of ${scaleUp.maxNodes} nodes`);
  return launches;
}

/**
 * Why no node scale-up may launch could take the task, or null when one could. With
 * `availability`, a type EC2 refused in every zone the task allows counts as not
 * launchable until its entry expires.
 */
export function whyNoNewNodeFits(task: PlacementTask, policy: SchedulerPolicy, availability?: OfferingAvailability): string | null {
  const { scaleUp } = policy;
  if (!scaleUp.zones.some((z) => allowsZone(task.constraints, z))) return `no new node can take it: its zones [${(task.constraints.zones ?? []).join(', ')}] are not the fleet's`;
  if (!matchesLabels(task.constraints, scaleUp.nodeLabels)) {
    const wanted = Object.entries(task.constraints.nodeLabels ?? {}).map(([k, v]) => `${k}=${v}`);
    return `no new node can take it: new nodes do not carry the labels it requires (${wanted.join(', ')}); waiting for room on a node that does`;
  }
  if (!scaleUp.instanceTypes.some((t) => launchableFor(task, t) && fits(task.resources, t.capacity))) {
    return 'no new node can take it: no allowed instance type in the catalog holds it; waiting for room on an existing node';
  }
  if (availability && !availability.empty) {
    const zones = scaleUp.zones.filter((z) => allowsZone(task.constraints, z));
    const holding = scaleUp.instanceTypes.filter((t) => launchableFor(task, t) && fits(task.resources, t.capacity));
    // The capacity types a launch for it may use: Spot first when it accepts Spot.
    const kinds: CapacityType[] = task.capacity === 'spot' ? ['spot'] : task.capacity === 'spot-or-on-demand' ? ['spot', 'on-demand'] : ['on-demand'];
    if (!holding.some((t) => kinds.some((k) => availability.offeredIn(t, zones, k)))) {
      const refusals = holding.flatMap((t) => kinds.flatMap((k) => zones.map((z) => availability.whyNot(t, z, k)!))).filter((why, i, all) => all.indexOf(why) === i);
      const shown = refusals.slice(0, 3).join('; ') + (refusals.length > 3 ? `; and ${refusals.length - 3} more` : '');
      return `no new node can take it now: EC2 refused every instance type that holds it in its zones (${shown}); the next launch is tried when one expires`;
    }
  }
  return null;
}

/**
 * Why no node could ever hold the task — neither an existing one, empty, nor any
 * instance type scale-up may launch — or null when one could. `fleet`: the nodes that
 * stay once this pass applies (draining ones are leaving and do not count).
 */
export function unschedulableReason(task: PlacementTask, policy: SchedulerPolicy, fleet: readonly Node[]): string | null {
  for (const n of fleet) {
    if (fits(task.resources, n.capacity) && staticallyAllowed(task, n.instanceType, n.zone, n.labels) && (task.capacity === undefined || acceptsCapacity(task.capacity, capacityTypeOf(n)))) return null;
  }
  const { scaleUp } = policy;
  if (!scaleUp.enabled || scaleUp.instanceTypes.length === 0) {
    const wrongCapacity = fleet.some((n) => fits(task.resources, n.capacity) && staticallyAllowed(task, n.instanceType, n.zone, n.labels));
    if (wrongCapacity) return `capacity ${task.capacity} matches no node that can hold it (constraint:capacity) and scale-up is disabled`;
    return `no node can hold ${formatResources(task.resources)} and scale-up is disabled`;
  }
  const zoneOk = scaleUp.zones.some((z) => allowsZone(task.constraints, z));
  if (!zoneOk) return `constraint zones [${(task.constraints.zones ?? []).join(', ')}] match none of the fleet's zones [${scaleUp.zones.join(', ')}]`;
  if (!matchesLabels(task.constraints, scaleUp.nodeLabels)) return 'constraint nodeLabels match no node and new nodes do not carry them';
  const allowed = scaleUp.instanceTypes.filter((t) => launchableFor(task, t));
  if (allowed.length === 0) {
    if (!scaleUp.instanceTypes.some((t) => allowsInstanceType(task.constraints, t.name))) {
      return `constraint instanceTypes [${(task.constraints.instanceTypes ?? []).join(', ')}] names no type in the launch catalog`;
    }
    const arches = [...new Set(scaleUp.instanceTypes.map((t) => t.arch ?? 'unknown'))].sort();
    return `constraint arch ${task.constraints.arch} matches no type the scheduler may launch (their architectures: ${arches.join(', ')}); allow types of that architecture (the stack's instanceTypes) or build the image for one of these`;
  }
  if (allowed.some((t) => fits(task.resources, t.capacity))) return null;
  const cpu = Math.max(...allowed.map((t) => t.capacity.cpu));
  const mem = Math.max(...allowed.map((t) => t.capacity.memoryMiB));
  const dims = [
    task.resources.cpu > cpu ? `cpu ${task.resources.cpu}m > largest ${cpu}m` : '',
    task.resources.memoryMiB > mem ? `memory ${task.resources.memoryMiB} MiB > largest ${mem} MiB` : '',
  ].filter(Boolean);
  return `no allowed instance type can hold ${formatResources(task.resources)}: ${dims.join(', ') || 'no single type has both'}`;
}

/** $/hour per millicore and per MiB: a least-squares fit of the catalog's prices. */
export interface MarketRates {
  readonly perMilliCpu: number;
  readonly perMiB: number;
}

export function marketRates(types: readonly InstanceType[]): MarketRates {
  let cc = 0;
  let cm = 0;
  let mm = 0;
  let cp = 0;
  let mp = 0;
  for (const t of types) {
    const c = t.capacity.cpu;
    const m = t.capacity.memoryMiB;
    cc += c * c;
    cm += c * m;
    mm += m * m;
    cp += c * t.pricePerHour;
    mp += m * t.pricePerHour;
  }
  const det = cc * mm - cm * cm;
  const perMilliCpu = det !== 0 ? (cp * mm - mp * cm) / det : 0;
  const perMiB = det !== 0 ? (mp * cc - cp * cm) / det : 0;
  if (perMilliCpu > 0 && perMiB > 0) return { perMilliCpu, perMiB };
  // A catalog of one shape (or a degenerate one): split each price evenly by share.
  const cheapest = [...types].sort((a, b) => a.pricePerHour - b.pricePerHour)[0];
  return { perMilliCpu: cheapest.pricePerHour / 2 / cheapest.capacity.cpu, perMiB: cheapest.pricePerHour / 2 / cheapest.capacity.memoryMiB };
}

/**
 * Picks the type for the next new node. Value per dollar decides; types within 2 % of
 * the best count as equal and the one holding the most work wins (on a linearly
 * priced family, one large node rather than many small ones: fewer launches and less
 * per-node overhead). When the node budget left cannot hold what waits at that
 * choice, the type holding the most work wins outright, so maxNodes limits the count
 * of nodes rather than the work placed. A spread job's copies count only as many as
 * its spread lets the new node (in `zone`) hold.
 */
function chooseType(
  waiting: readonly PlacementTask[],
  index: number,
  zone: string,
  types: readonly InstanceType[],
  policy: SchedulerPolicy,
  rates: MarketRates,
  nodesLeft: number,
): InstanceType | undefined {
  const task = waiting[index];
  const end = Math.min(waiting.length, index + CHOICE_WINDOW);
  const options: Array<{ type: InstanceType; value: number; perDollar: number }> = [];
  for (const type of types) {
    if (!launchableFor(task, type) || !fits(task.resources, type.capacity)) continue;
    // Test-fill one node of this type, first-fit, with the tasks still waiting.
    let cpu = type.capacity.cpu;
    let mem = type.capacity.memoryMiB;
    let value = 0;
    const spreadRoom = new Map<SpreadRule, number>();
    for (let i = index; i < end; i++) {
      const w = waiting[i];
      const r: Resources = w.resources;
      if (r.cpu <= cpu && r.memoryMiB <= mem && launchableFor(w, type) && matchesLabels(w.constraints, policy.scaleUp.nodeLabels)) {
        if (w.spread) {
          const room = spreadRoom.get(w.spread) ?? roomOnNewNode(w.spread, zone);
          if (room <= 0) continue;
          spreadRoom.set(w.spread, room - 1);
        }
        cpu -= r.cpu;
        mem -= r.memoryMiB;
        value += r.cpu * rates.perMilliCpu + r.memoryMiB * rates.perMiB;
      }
    }
    options.push({ type, value, perDollar: value / type.pricePerHour });
  }
  if (options.length === 0) return undefined;
  const byWork = (a: (typeof options)[number], b: (typeof options)[number]) =>
    b.value - a.value || a.type.pricePerHour - b.type.pricePerHour || (a.type.name < b.type.name ? -1 : 1);
  const bestPerDollar = Math.max(...options.map((o) => o.perDollar));
  const near = options.filter((o) => o.perDollar >= bestPerDollar * 0.98).sort(byWork);
  const choice = near[0];
  let waitingValue = 0;
  for (let i = index; i < waiting.length; i++) waitingValue += waiting[i].resources.cpu * rates.perMilliCpu + waiting[i].resources.memoryMiB * rates.perMiB;
  if (choice.value * nodesLeft < waitingValue) return [...options].sort(byWork)[0].type;
  return choice.type;
}

/** Copies of the rule's job a node not launched yet, in `zone`, could take. */
function roomOnNewNode(rule: SpreadRule, zone: string): number {
  return rule.scope === 'node' ? rule.max : rule.max - spreadCount(rule, { id: '', zone });
}

/**
 * The allowed zones, fewest nodes first so launches spread over zones; ties by name.
 * For a zone-spread job, only zones still below the job's maximum.
 */
function zoneCandidates(task: PlacementTask, zones: readonly string[], counts: Map<string, number>): string[] {
  return zones
    .filter((z) => allowsZone(task.constraints, z) && !(task.spread?.scope === 'zone' && spreadCount(task.spread, { id: '', zone: z }) >= task.spread.max))
    .sort((a, b) => (counts.get(a) ?? 0) - (counts.get(b) ?? 0) || (a < b ? -1 : a > b ? 1 : 0));
}

function staticallyAllowed(task: PlacementTask, type: string, zone: string, labels: Readonly<Record<string, string>>): boolean {
  const c = task.constraints;
  return allowsInstanceType(c, type) && allowsZone(c, zone) && matchesLabels(c, labels) && allowsArch(c, nodeArchitecture({ instanceType: type, labels }));
}

/** The task's constraints allow a new node of this type: its name and its architecture. */
function launchableFor(task: PlacementTask, type: InstanceType): boolean {
  return allowsInstanceType(task.constraints, type.name) && allowsArch(task.constraints, type.arch);
}
