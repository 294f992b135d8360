import { checkJobId, checkService, checkTargets, describeRule, diffTargets, ruleKey, exposedUrl, type LoadBalancedService, type LoadBalancer, type LoadBalancerTarget, type RegisteredTarget, type TargetChange, type TargetHealth } from '../load-balancer';
import { noServiceError, ruleTakenError } from '../load-balancer-errors';

/**
 * The LoadBalancer in memory: services and targets in maps, every target `healthy` unless
 * a test says otherwise (`health`), and the next calls made to fail on demand (`failNext`),
 * so the pass's handling of load-balancer errors is testable.
 */
export class InMemoryLoadBalancer implements LoadBalancer {
  readonly deregistrationDelaySeconds: number;
  /** Health a test sets per task id; unset targets report `healthy`. */
  readonly health = new Map<string, TargetHealth>();
  /** Errors the next calls (any method) throw, in order. */
  readonly failNext: Error[] = [];
  private readonly byJob = new Map<string, { service: LoadBalancedService; targets: LoadBalancerTarget[] }>();

  private readonly baseUrl: string;

  constructor(options: { baseUrl?: string; deregistrationDelaySeconds?: number } = {}) {
    this.baseUrl = (options.baseUrl ?? 'http://127.0.0.1:8080').replace(/\/$/, '');
    this.deregistrationDelaySeconds = options.deregistrationDelaySeconds ?? 15;
  }

  async ensureService(service: LoadBalancedService): Promise<{ url: string }> {
    this.maybeFail();
    checkService(service);
    const key = ruleKey(service.rule);
    for (const [jobId, entry] of this.byJob) {
      if (jobId !== service.jobId && ruleKey(entry.service.rule) === key) throw ruleTakenError(service.jobId, describeRule(service.rule), entry.service);
    }
    const existing = this.byJob.get(service.jobId);
    const copy: LoadBalancedService = { jobId: service.jobId, jobName: service.jobName, rule: { ...service.rule }, ...(service.healthPath !== undefined ? { healthPath: service.healthPath } : {}) };
    this.byJob.set(service.jobId, { service: copy, targets: existing?.targets ?? [] });
    return { url: this.url(service) };
  }

  async setTargets(jobId: string, targets: readonly LoadBalancerTarget[]): Promise<TargetChange> {
    this.maybeFail();
    checkJobId(jobId, 'setTargets');
    checkTargets(jobId, targets);
    const entry = this.byJob.get(jobId);
    if (!entry) throw noServiceError(jobId, 'setTargets');
    const { add, remove } = diffTargets(entry.targets, targets);
    entry.targets = targets.map((t) => ({ taskId: t.taskId, nodeId: t.nodeId, address: t.address, port: t.port }));
    return { registered: add, deregistered: remove };
  }

  async targets(jobId: string): Promise<readonly RegisteredTarget[]> {
    this.maybeFail();
    return (this.byJob.get(jobId)?.targets ?? []).map((t) => ({ ...t, health: this.health.get(t.taskId) ?? 'healthy' }));
  }

  async services(): Promise<readonly LoadBalancedService[]> {
    this.maybeFail();
    return [...this.byJob.values()].map((e) => e.service);
  }

  async removeService(jobId: string): Promise<void> {
    this.maybeFail();
    this.byJob.delete(jobId);
  }

  async urlOf(jobId: string): Promise<string | undefined> {
    this.maybeFail();
    const entry = this.byJob.get(jobId);
    return entry ? this.url(entry.service) : undefined;
  }

  private url(service: LoadBalancedService): string {
    return exposedUrl(this.baseUrl, service.rule);
  }

  private maybeFail(): void {
    const failure = this.failNext.shift();
    if (failure) throw failure;
  }
}
