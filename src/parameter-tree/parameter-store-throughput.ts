/**
 * The Parameter Store throughput setting of the account and Region a tree deploys to. It is an
 * account-wide setting (Parameter Store > Settings > Parameter Store throughput), not something
 * this library changes: tell the tree which one the account has, so that its reconciler starts
 * writing just under that setting's rates rather than discovering them by being throttled.
 *
 * @see https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-throughput.html
 */
export enum ParameterStoreThroughput {
  /**
   * The default setting, free: PutParameter about 3 transactions per second per account and
   * Region (as AWS Support reports it), GetParameter, GetParameters and GetParametersByPath 40
   * shared. A tree of 1,000 parameters takes about six minutes to create.
   */
  DEFAULT = 'default',
  /**
   * Higher throughput, charged per API interaction: PutParameter about 10 transactions per
   * second (AWS Support), reads at least 100. A tree of 1,000 parameters takes about two minutes
   * to create.
   */
  HIGHER = 'higher',
}
