import { ConfigError, ENV, policyFrom, subnetsFrom, tableNamesFrom } from '../../lambdas/config';

describe('Lambda configuration', () => {
  const tables = { [ENV.jobsTable]: 'j', [ENV.tasksTable]: 't', [ENV.nodesTable]: 'n', [ENV.samplesTable]: 's', [ENV.leasesTable]: 'l' };

  it('reads the table names the stack sets', () => {
    expect(tableNamesFrom(tables)).toEqual({ jobs: 'j', tasks: 't', nodes: 'n', samples: 's', leases: 'l' });
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
    const p = policyFrom({ [ENV.instanceTypes]: 'm5.large, c5.xlarge', [ENV.maxNodes]: '7' }, ['us-east-1a']);
    expect(p.scaleUp.instanceTypes.map((t) => t.name)).toEqual(['m5.large', 'c5.xlarge']);
    expect(p.scaleUp).toMatchObject({ maxNodes: 7, zones: ['us-east-1a'] });
    expect(() => policyFrom({ [ENV.instanceTypes]: 'm5.large,x9.huge' }, ['a'])).toThrow(/unknown instance type\(s\) x9\.huge/);
    expect(() => policyFrom({ [ENV.maxNodes]: '-1' }, ['a'])).toThrow(/STOWAGE_MAX_NODES: "-1" is not a non-negative integer/);
  });

  it('reads subnets as zone → subnet JSON', () => {
    expect(subnetsFrom({ [ENV.subnets]: '{"us-east-1a":"subnet-1"}' })).toEqual({ 'us-east-1a': 'subnet-1' });
    expect(() => subnetsFrom({ [ENV.subnets]: '[]' })).toThrow(/non-empty JSON object/);
    expect(() => subnetsFrom({ [ENV.subnets]: 'nope' })).toThrow(/is not JSON/);
  });
});
