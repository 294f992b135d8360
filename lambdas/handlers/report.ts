import { createHandler } from '../api/report';
import { apiDeps } from './api-deps';

export const handler = createHandler(apiDeps('report'));
