import type { InstanceType } from '../core/model';
import type { UtilisationSample } from '../core/utilisation-sample';
import { add, ZERO, type Resources } from '../core/resources';
import { ReportInputError } from './errors';

/** A fleet held for the whole window, as static provisioning would. */
export interface BaselineFleet {
  readonly description: string;
  readonly nodes: number;
  readonly nodesByType: Readonly<Record<string, number>>;
  readonly capacity: Resources;
  readonly costPerHour: number;
}

const TOKEN = /^(\d{1,7})x([a-z0-9][a-z0-9.-]{0,63})$/;

/**
 * Parses a named fleet: `COUNTxTYPE` terms joined by `+`, e.g. `70xm5.large` or
 * `40xm5.large+8xr5.2xlarge`, priced and sized from the catalog. Each error names the
 * token at fault.
 */
export function parseBaseline(spec: string, catalog: readonly InstanceType[]): BaselineFleet {
  const terms = spec.trim().split('+').map((t) => t.trim());
  if (spec.trim() === '') throw new ReportInputError('baseline', 'is empty; give a fleet such as 70xm5.large, or leave it out for the peak fleet');
  const nodesByType: Record<string, number> = {};
  let capacity: Resources = ZERO;
  let costPerHour = 0;
  let nodes = 0;
  for (const token of terms) {
    const m = TOKEN.exec(token);
    if (!m) throw new ReportInputError('baseline', `token "${token}" is not COUNTxTYPE (e.g. 70xm5.large; join several with +)`);
    const count = Number(m[1]);
    if (count === 0) throw new ReportInputError('baseline', `token "${token}": the count must be a positive integer`);
    const type = catalog.find((t) => t.name === m[2]);
    if (!type) {
      const known = catalog.slice(0, 6).map((t) => t.name).join(', ');
      throw new ReportInputError('baseline', `token "${token}": no instance type "${m[2]}" in the catalog (known: ${known}${catalog.length > 6 ? ', …' : ''})`);
    }
    nodesByType[type.name] = (nodesByType[type.name] ?? 0) + count;
    nodes += count;
    costPerHour += count * type.pricePerHour;
    capacity = add(capacity, { cpu: count * type.capacity.cpu, memoryMiB: count * type.capacity.memoryMiB });
  }
  return { description: spec.trim(), nodes, nodesByType, capacity, costPerHour };
}

/**
 * The default baseline: the largest fleet the window saw, held throughout, at the mix
 * of types it had then (the first such sample; its price as the report prices it).
 * Null when there is no sample.
 */
export function peakBaseline(samples: readonly UtilisationSample[], costOf: (s: UtilisationSample) => number): BaselineFleet | null {
  let peak: UtilisationSample | undefined;
  for (const s of samples) if (!peak || s.nodes > peak.nodes) peak = s;
  if (!peak) return null;
  return { description: `peak fleet held (${peak.nodes} nodes)`, nodes: peak.nodes, nodesByType: { ...peak.nodesByType }, capacity: peak.capacity, costPerHour: costOf(peak) };
}
