import { createHandler, iamInstanceIdentity } from '../api/heartbeat';
import { ENV, required } from '../config';
import { apiDeps } from './api-deps';

// Required: without it any role session named like an instance id could pose as that node.
const roleName = required(process.env, ENV.nodeRoleName);

export const handler = createHandler({ ...apiDeps('heartbeat'), identify: iamInstanceIdentity({ roleName }) });
