/**
 * The environment variable names the Lambdas read (lambdas/config.ts `ENV`), restated here
 * because infra names handler files by path and imports no runtime code (DESIGN.md,
 * "Layout"). test/infra/stack.test.ts asserts the two lists are equal, so they cannot drift.
 */
export const RUNTIME_ENV = {
  jobsTable: 'STOWAGE_JOBS_TABLE',
  tasksTable: 'STOWAGE_TASKS_TABLE',
  nodesTable: 'STOWAGE_NODES_TABLE',
  samplesTable: 'STOWAGE_SAMPLES_TABLE',
  leasesTable: 'STOWAGE_LEASES_TABLE',
  versionsTable: 'STOWAGE_VERSIONS_TABLE',
  idempotencyTable: 'STOWAGE_IDEMPOTENCY_TABLE',
  launchTemplates: 'STOWAGE_LAUNCH_TEMPLATES',
  subnets: 'STOWAGE_SUBNETS',
  stackTagKey: 'STOWAGE_STACK_TAG_KEY',
  stackTagValue: 'STOWAGE_STACK_TAG_VALUE',
  instanceTypes: 'STOWAGE_INSTANCE_TYPES',
  maxNodes: 'STOWAGE_MAX_NODES',
  minNodes: 'STOWAGE_MIN_NODES',
  nodeRoleName: 'STOWAGE_NODE_ROLE_NAME',
  lbListenerArn: 'STOWAGE_LB_LISTENER_ARN',
  lbDnsName: 'STOWAGE_LB_DNS_NAME',
  lbUrl: 'STOWAGE_LB_URL',
  vpcId: 'STOWAGE_VPC_ID',
  wakeQueueUrl: 'STOWAGE_WAKE_QUEUE_URL',
  syncDocument: 'STOWAGE_SYNC_DOCUMENT',
  admins: 'STOWAGE_ADMINS',
  logGroupPrefix: 'STOWAGE_LOG_GROUP_PREFIX',
  heartbeatSeconds: 'STOWAGE_HEARTBEAT_SECONDS',
} as const;
