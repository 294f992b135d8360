import { RemovalPolicy } from 'aws-cdk-lib';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

export interface NetworkProps {
  /** An existing VPC to look up. Lookups need credentials and a concrete env; default: a new VPC. */
  readonly vpcId?: string;
}

/**
 * Where nodes run. By default a small VPC of its own: two zones, public subnets only and no
 * NAT gateways — nodes get public IPs and reach the API, SSM, S3 and registries directly
 * (their security group admits nothing inbound), so an idle Stowage costs no NAT hours.
 * With `vpcId`, an existing VPC is used as it is (its flow logs are its owner's business).
 */
export class Network extends Construct {
  readonly vpc: ec2.IVpc;

  constructor(scope: Construct, id: string, props: NetworkProps = {}) {
    super(scope, id);
    if (props.vpcId) {
      this.vpc = ec2.Vpc.fromLookup(this, 'Vpc', { vpcId: props.vpcId });
      return;
    }
    const vpc = new ec2.Vpc(this, 'Vpc', {
      maxAzs: 2,
      natGateways: 0,
      subnetConfiguration: [{ name: 'nodes', subnetType: ec2.SubnetType.PUBLIC, cidrMask: 24 }],
    });
    // Rejected traffic only: that is what answers "why can't my node reach X" and what an
    // audit asks for, at a fraction of the cost of logging every accepted flow.
    vpc.addFlowLog('FlowLog', {
      trafficType: ec2.FlowLogTrafficType.REJECT,
      destination: ec2.FlowLogDestination.toCloudWatchLogs(
        new logs.LogGroup(this, 'FlowLogs', { retention: logs.RetentionDays.ONE_MONTH, removalPolicy: RemovalPolicy.DESTROY }),
      ),
    });
    this.vpc = vpc;
  }

  /**
   * Availability zone → the subnet nodes launch into there: private subnets with egress
   * when the VPC has them (an existing VPC with NAT), else the public ones.
   */
  get subnetsByZone(): Record<string, string> {
    const subnets = this.vpc.privateSubnets.length > 0 ? this.vpc.privateSubnets : this.vpc.publicSubnets;
    const out: Record<string, string> = {};
    for (const subnet of subnets) out[subnet.availabilityZone] = subnet.subnetId;
    return out;
  }
}
