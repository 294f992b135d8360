// Moved to local/: the local cloud starts DynamoDB Local the same way the tests do.
export * from '../../local/dynamodb-local';
