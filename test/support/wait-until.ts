// One home for polling until a condition holds: the local bench uses it too.
export { waitUntil } from '../../local/wait-until';
