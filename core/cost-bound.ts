import { CostBoundError, solveCoveringLp } from './covering-lp';
import { countedPackingLowerBound } from './lower-bound';
import type { InstanceType } from './model';
import type { Resources } from './resources';

/** Its errors are the LP's class, so callers catch one type. */
export { CostBoundError };

/** What the bound needs of an instance type: what it holds and what it costs. */
export type PricedType = Pick<InstanceType, 'name' | 'capacity' | 'pricePerHour'>;

const inputError = (field: string, rule: string) => new CostBoundError('cost bound', field, rule);

/**
 * The least any fleet bought from `catalog` could pay per hour while it holds a demand
 * (a multiset of requests), as a covering LP over node counts x_k per type k:
 *
 *   minimise Σ_k price_k · x_k, x ≥ 0, subject to, for every class S present:
 *     Σ_{k∈S} x_k · cpu_k ≥ CPU(S),  Σ_{k∈S} x_k · mem_k ≥ MEM(S),  Σ_{k∈S} x_k ≥ NODES(S)
 *
 * A class S is the set of types able to hold some live request (its CPU and memory both
 * fit); CPU(S) and MEM(S) sum every live request whose own set lies inside S, and
 * NODES(S) is packingLowerBound of those requests against the largest capacity in S.
 *
 * Why it is valid (≤ the per-hour cost of any fleet that holds the demand, however it
 * packs): take such a fleet and let x_k be its number of type-k nodes. A request whose
 * set lies inside S runs on a node of a type in S, and a node's requests fit its
 * capacity, so the S-typed nodes' capacity covers CPU(S) and MEM(S); there are at least
 * NODES(S) of them because none is larger, per dimension, than the largest in S, and
 * packingLowerBound is valid for nodes no larger than the capacity it is given. So x is
 * feasible and the LP optimum is ≤ Σ price_k x_k — which is what the replay bills per
 * hour at that instant, since it bills every node for every hour from launch to
 * termination (core/cost-model.ts instanceCost), and a fleet may hold further nodes.
 * Integrated over a replay it bounds the cost of any fleet that holds the trace's
 * demand as it arrives and departs.
 *
 * Against max(CPU × cheapest $/millicore, memory × cheapest $/MiB), the bound it
 * replaces (and never falls below, since that is the LP's all-types rows alone): one
 * type must pay for both dimensions, a request that fits only the largest types is
 * paid at their price, and a whole node is paid for even when its demand is a fraction
 * of one. It stays a relaxation: nodes may be fractions beyond NODES(S), and requests
 * may split across nodes.
 *
 * The catalog must be exactly what every compared policy may buy, at the lowest price
 * any of them pays (a policy buying at a discount needs that discount here).
 */
export class CostBound {
  /** The catalog without dominated types (another at most as dear, at least as large both ways). */
  private readonly types: readonly PricedType[];
  private readonly shapes = new Map<string, Shape>();
  /** Type sets by key, with an id each, so subset tests are cached per pair of ids. */
  private readonly sets = new Map<string, TypeSet>();
  private readonly subset = new Map<number, boolean>();
  private readonly everyType: TypeSet;
  private cached: number | undefined = 0;

  constructor(catalog: readonly PricedType[]) {
    if (catalog.length === 0) throw inputError('catalog', 'must hold at least one instance type');
    catalog.forEach((t, i) => {
      if (!(t.pricePerHour > 0 && t.capacity.cpu > 0 && t.capacity.memoryMiB > 0)) throw inputError(`catalog[${i}] (${t.name})`, 'needs a positive price, CPU and memory');
    });
    // A dominated type is never needed: its dominator is in every class it is in (classes
    // are "at least this much CPU and memory") and covers every row at least as well for
    // no more money. Dropping it leaves the LP's optimum unchanged; the bundled catalog
    // keeps about a third of its types.
    this.types = catalog.filter((t, i) => !catalog.some((o, j) => j !== i && dominates(o, t) && (!dominates(t, o) || j < i)));
    this.everyType = this.setOf(this.types.map(() => true));
  }

  /** True when some type of the catalog holds the request. */
  holds(request: Resources): boolean {
    return this.types.some((t) => fitsType(request, t));
  }

  /** Adds (count > 0) or removes (count < 0) live requests of one shape. */
  add(request: Resources, count: number): void {
    if (!Number.isInteger(count)) throw inputError('count', `must be a whole number (got ${count})`);
    const key = `${request.cpu}x${request.memoryMiB}`;
    let shape = this.shapes.get(key);
    if (!shape) {
      const members = this.types.map((t) => fitsType(request, t));
      if (!members.some(Boolean)) throw inputError('request', `${request.cpu}m CPU / ${request.memoryMiB} MiB fits no instance type of the catalog; count only what holds() accepts`);
      shape = { request, count: 0, set: this.setOf(members) };
      this.shapes.set(key, shape);
    }
    if (shape.count + count < 0) throw inputError('count', `removes ${-count} of ${key} but only ${shape.count} are live`);
    shape.count += count;
    if (count !== 0) this.cached = undefined;
  }

  /** The bound for the live demand, in $/hour; solved once per change of the demand. */
  perHour(): number {
    if (this.cached === undefined) this.cached = this.solve();
    return this.cached;
  }

  private solve(): number {
    const live = [...this.shapes.values()].filter((s) => s.count > 0);
    // Every type together is a class too, whatever the live requests' own sets: every
    // request runs somewhere, so the fleet's whole capacity covers the whole demand (a
    // row no class of its own implies when no request fits the smallest types).
    const classes = [...new Set([...live.map((s) => s.set), this.everyType])];
    const rows: { coefficients: number[]; need: number }[] = [];
    for (const cls of classes) {
      const inside = live.filter((s) => this.isSubset(s.set, cls));
      const largest = {
        cpu: Math.max(...this.types.filter((_, k) => cls.members[k]).map((t) => t.capacity.cpu)),
        memoryMiB: Math.max(...this.types.filter((_, k) => cls.members[k]).map((t) => t.capacity.memoryMiB)),
      };
      const row = (coefficient: (t: PricedType) => number, need: number) => rows.push({ coefficients: this.types.map((t, k) => (cls.members[k] ? coefficient(t) : 0)), need });
      row((t) => t.capacity.cpu, inside.reduce((sum, s) => sum + s.request.cpu * s.count, 0));
      row((t) => t.capacity.memoryMiB, inside.reduce((sum, s) => sum + s.request.memoryMiB * s.count, 0));
      row(() => 1, countedPackingLowerBound(inside, largest));
    }
    return solveCoveringLp({ costs: this.types.map((t) => t.pricePerHour), rows }).bound;
  }

  private setOf(members: boolean[]): TypeSet {
    const key = members.map((m) => (m ? '1' : '0')).join('');
    let set = this.sets.get(key);
    if (!set) {
      set = { id: this.sets.size, members };
      this.sets.set(key, set);
    }
    return set;
  }

  private isSubset(a: TypeSet, b: TypeSet): boolean {
    const pair = a.id * 1_000_003 + b.id;
    let known = this.subset.get(pair);
    if (known === undefined) {
      known = a.members.every((m, k) => !m || b.members[k]);
      this.subset.set(pair, known);
    }
    return known;
  }
}

interface TypeSet {
  readonly id: number;
  readonly members: readonly boolean[];
}

interface Shape {
  readonly request: Resources;
  count: number;
  readonly set: TypeSet;
}

function fitsType(r: Resources, t: PricedType): boolean {
  return r.cpu <= t.capacity.cpu && r.memoryMiB <= t.capacity.memoryMiB;
}

function dominates(a: PricedType, b: PricedType): boolean {
  return a.pricePerHour <= b.pricePerHour && a.capacity.cpu >= b.capacity.cpu && a.capacity.memoryMiB >= b.capacity.memoryMiB;
}
