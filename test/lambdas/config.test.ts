import { DEFAULT_CATALOG } from '../../core/catalog';
import { plan } from '../../core/pass/plan';
import { job, NOW, replicas, snapshot } from '../core/fixtures';
import { ConfigError, ENV, heartbeatRefreshMsFrom, heartbeatSecondsFrom, launchTemplatesFrom, loadBalancerFrom, loadBalancerUrlFrom, policyFrom, subnetsFrom, tableNamesFrom } from '../../lambdas/config';

describe('Lambda configuration', () => {
  it('derives the heartbeat timeout (four periods) and the liveness refresh (one and a half) from the stack\'s period', () => {
    expect(heartbeatSecondsFrom({})).toBe(10);
    expect(policyFrom({}, ['a'], ['arm64']).heartbeatTimeoutMs).toBe(40_000);
    expect(heartbeatRefreshMsFrom({})).toBe(15_000);
    expect(policyFrom({ [ENV.heartbeatSeconds]: '30' }, ['a'], ['arm64']).heartbeatTimeoutMs).toBe(120_000);
    expect(heartbeatRefreshMsFrom({ [ENV.heartbeatSeconds]: '30' })).toBe(45_000);
    expect(() => heartbeatSecondsFrom({ [ENV.heartbeatSeconds]: '61' })).toThrow(/STOWAGE_HEARTBEAT_SECONDS: must be between 5 and 60 seconds, got 61/);
    expect(() => heartbeatSecondsFrom({ [ENV.heartbeatSeconds]: 'ten' })).toThrow(/STOWAGE_HEARTBEAT_SECONDS: "ten" is not a non-negative integer/);
  });

  const tables = { [ENV.jobsTable]: 'j', [ENV.tasksTable]: 't', [ENV.nodesTable]: 'n', [ENV.samplesTable]: 's', [ENV.leasesTable]: 'l', [ENV.versionsTable]: 'v' };

  it('reads the table names the stack sets', () => {
    expect(tableNamesFrom(tables)).toEqual({ jobs: 'j', tasks: 't', nodes: 'n', samples: 's', leases: 'l', versions: 'v' });
  });

  it('needs the leases table, where the scheduler takes its launch lease', () => {
    const { [ENV.leasesTable]: _omitted, ...rest } = tables;
    expect(_omitted).toBe('l');
    expect(() => tableNamesFrom(rest)).toThrow(new ConfigError(ENV.leasesTable, 'is not set; the CDK stack sets it — redeploy, or set it for local runs'));
  });

  it('names the missing variable and how to fix it', () => {
    const { [ENV.nodesTable]: _omitted, ...rest } = tables;
    expect(_omitted).toBe('n');
    expect(() => tableNamesFrom(rest)).toThrow(new ConfigError(ENV.nodesTable, 'is not set; the CDK stack sets it — redeploy, or set it for local runs'));
  });

  it('narrows the catalog to the allowed types and refuses unknown ones by name', () => {
    const p = policyFrom({ [ENV.instanceTypes]: 'm5.large, c5.xlarge', [ENV.maxNodes]: '7' }, ['us-east-1a'], ['x86_64']);
    expect(p.scaleUp.instanceTypes.map((t) => t.name)).toEqual(['m5.large', 'c5.xlarge']);
    expect(p.scaleUp).toMatchObject({ maxNodes: 7, zones: ['us-east-1a'] });
    expect(() => policyFrom({ [ENV.instanceTypes]: 'm5.large,x9.huge' }, ['a'], ['x86_64'])).toThrow(/unknown instance type\(s\) x9\.huge/);
    expect(() => policyFrom({ [ENV.maxNodes]: '-1' }, ['a'], ['arm64'])).toThrow(/STOWAGE_MAX_NODES: "-1" is not a non-negative integer/);
  });

  it('with no types named, allows only the catalog types a launch template boots: Graviton alone by default', () => {
    const p = policyFrom({}, ['a'], ['arm64']);
    expect(p.scaleUp.instanceTypes.length).toBe(DEFAULT_CATALOG.filter((t) => t.arch === 'arm64').length);
    expect(p.scaleUp.instanceTypes.every((t) => t.arch === 'arm64')).toBe(true);
    expect(p.scaleUp.instanceTypes.map((t) => t.name)).not.toContain('r5.large');
    const both = policyFrom({}, ['a'], ['arm64', 'x86_64']);
    expect(both.scaleUp.instanceTypes).toHaveLength(DEFAULT_CATALOG.length);
  });

  it('never lets a pass plan a type the stack cannot boot: memory-heavy work on the default stack gets a Graviton r7g, not an r5', () => {
    const p = policyFrom({}, ['us-east-1a'], ['arm64']);
    const heavy = job('heavy', { resources: { cpu: 500, memoryMiB: 12_000 }, count: 4 });
    const out = plan(snapshot({ jobs: [heavy], tasks: replicas(heavy, 4) }), NOW, p);
    expect(out.launches.length).toBeGreaterThan(0);
    for (const l of out.launches) expect(DEFAULT_CATALOG.find((t) => t.name === l.instanceType)?.arch).toBe('arm64');
    expect(out.launches.map((l) => l.instanceType).every((n) => n.startsWith('r7g.'))).toBe(true);
  });

  it('refuses a named type whose architecture has no launch template, naming the type and the fix', () => {
    expect(() => policyFrom({ [ENV.instanceTypes]: 'm7g.large,r5.large' }, ['a'], ['arm64'])).toThrow(
      new ConfigError(ENV.instanceTypes, 'r5.large (x86_64) has no launch template of its architecture (STOWAGE_LAUNCH_TEMPLATES has arm64); redeploy the stack with these types in its instanceTypes context, which adds the template'),
    );
    expect(() => policyFrom({}, ['a'], [])).toThrow(/STOWAGE_LAUNCH_TEMPLATES: names no architecture/);
  });

  it('reads launch templates as architecture → template id JSON', () => {
    expect(launchTemplatesFrom({ [ENV.launchTemplates]: '{"arm64":"lt-0123456789abcdef0","x86_64":"lt-0123456789abcdef1"}' })).toEqual({ arm64: 'lt-0123456789abcdef0', x86_64: 'lt-0123456789abcdef1' });
    expect(() => launchTemplatesFrom({})).toThrow(/STOWAGE_LAUNCH_TEMPLATES: is not set/);
    expect(() => launchTemplatesFrom({ [ENV.launchTemplates]: '{}' })).toThrow(/non-empty JSON object/);
    expect(() => launchTemplatesFrom({ [ENV.launchTemplates]: '{"amd64":"lt-0123456789abcdef0"}' })).toThrow(/"amd64" is not an architecture; use arm64 or x86_64/);
    expect(() => launchTemplatesFrom({ [ENV.launchTemplates]: '{"arm64":"stowage-nodes"}' })).toThrow(/arm64: "stowage-nodes" is not a launch template id/);
  });

  it('reads subnets as zone → subnet JSON', () => {
    expect(subnetsFrom({ [ENV.subnets]: '{"us-east-1a":"subnet-1"}' })).toEqual({ 'us-east-1a': 'subnet-1' });
    expect(() => subnetsFrom({ [ENV.subnets]: '[]' })).toThrow(/non-empty JSON object/);
    expect(() => subnetsFrom({ [ENV.subnets]: 'nope' })).toThrow(/is not JSON/);
  });

  describe('the load balancer', () => {
    const lb = {
      [ENV.lbListenerArn]: 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/app/Stowa-LoadB-1ABC/50dc6c495c0c9188/f2f7dc8efc522ab2',
      [ENV.lbDnsName]: 'Stowa-LoadB-1ABC-123456789.us-east-1.elb.amazonaws.com',
      [ENV.vpcId]: 'vpc-0123456789abcdef0',
    };

    it('is absent when the stack has none', () => {
      expect(loadBalancerFrom({})).toBeUndefined();
      expect(loadBalancerFrom({ [ENV.lbDnsName]: '  ' })).toBeUndefined();
    });

    it('reads the listener, DNS name and VPC the stack sets', () => {
      expect(loadBalancerFrom(lb)).toEqual({ listenerArn: lb[ENV.lbListenerArn], dnsName: lb[ENV.lbDnsName], vpcId: 'vpc-0123456789abcdef0' });
      expect(loadBalancerFrom({ ...lb, [ENV.vpcId]: 'vpc-0a1b2c3d' })?.vpcId).toBe('vpc-0a1b2c3d');
    });

    it.each([ENV.lbListenerArn, ENV.lbDnsName, ENV.vpcId])('names %s when it alone is missing', (variable) => {
      const { [variable]: _omitted, ...rest } = lb;
      expect(_omitted).toBeDefined();
      expect(() => loadBalancerFrom(rest)).toThrow(ConfigError);
      expect(() => loadBalancerFrom(rest)).toThrow(new RegExp(`^environment variable ${variable}: is not set but .* are; the stack sets all three`));
    });

    it.each([
      [ENV.lbListenerArn, 'arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/x/50dc6c495c0c9188', /not an Application Load Balancer listener ARN/],
      [ENV.lbListenerArn, 'arn:aws:elasticloadbalancing:us-east-1:123456789012:listener/net/x/50dc6c495c0c9188/f2f7dc8efc522ab2', /not an Application Load Balancer listener ARN/],
      [ENV.lbDnsName, 'lb.example.com; rm -rf /', /is not a DNS name/],
      [ENV.lbDnsName, '-lb.example.com', /is not a DNS name/],
      [ENV.vpcId, 'vpc-123', /is not a VPC id/],
      [ENV.vpcId, 'subnet-0123456789abcdef0', /is not a VPC id/],
    ])('refuses a malformed %s: %s', (variable, value, message) => {
      const error = (() => {
        try {
          loadBalancerFrom({ ...lb, [variable]: value });
        } catch (e) {
          return e as ConfigError;
        }
        throw new Error('accepted');
      })();
      expect(error).toBeInstanceOf(ConfigError);
      expect(error.variable).toBe(variable);
      expect(error.message).toMatch(message);
    });
  });
});

describe('loadBalancerUrlFrom', () => {
  it('is absent without the variable and the URL with it', () => {
    expect(loadBalancerUrlFrom({})).toBeUndefined();
    expect(loadBalancerUrlFrom({ [ENV.lbUrl]: 'https://stowage-1.eu-west-1.elb.amazonaws.com' })).toBe('https://stowage-1.eu-west-1.elb.amazonaws.com');
  });

  it.each(['stowage-1.elb.amazonaws.com', 'ftp://lb.example.com', 'http://lb.example.com/web', 'http://bad_name'])('refuses %s naming the variable', (value) => {
    expect(() => loadBalancerUrlFrom({ [ENV.lbUrl]: value })).toThrow(ConfigError);
    expect(() => loadBalancerUrlFrom({ [ENV.lbUrl]: value })).toThrow(ENV.lbUrl);
  });
});
