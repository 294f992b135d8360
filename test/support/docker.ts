// Moved to local/: the local cloud sets Docker up the same way the tests do.
export * from '../../local/docker-engine';
