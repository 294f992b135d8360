import { ROUTES } from '../../contract/routes';
import { createHandler, iamInstanceIdentity } from '../api/heartbeat';
import { viaFunctionUrl } from '../api/function-url';
import { ENV, heartbeatRefreshMsFrom, required } from '../config';
import { apiDeps } from './api-deps';

// Required: without it any role session named like an instance id could pose as that node.
const roleName = required(process.env, ENV.nodeRoleName);
// Steady reports skip the liveness write for this long (steady-beat.ts): set from the stack's heartbeat period.
const deps = apiDeps('heartbeat', process.env, { heartbeatRefreshMs: heartbeatRefreshMsFrom(process.env) });

// Nodes call it through its function URL; API Gateway's route stays for callers that use the API.
export const handler = viaFunctionUrl(ROUTES.heartbeat, deps, createHandler({ ...deps, identify: iamInstanceIdentity({ roleName }) }));
