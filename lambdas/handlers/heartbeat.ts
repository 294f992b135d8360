import { createHandler, iamInstanceIdentity } from '../api/heartbeat';
import { NODE_ROLE_NAME_ENV } from '../config';
import { apiDeps } from './api-deps';

const roleName = process.env[NODE_ROLE_NAME_ENV]?.trim() || undefined;

export const handler = createHandler({ ...apiDeps('heartbeat'), identify: iamInstanceIdentity({ roleName }) });
