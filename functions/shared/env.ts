/** Environment variables, read once at cold start: a missing one fails the first invocation loudly. */

/** Returns a required environment variable or throws naming it. */
export function requireEnv(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set: the ModelMonitor construct sets it`);
  return value;
}

/** The settings every driftwatch function reads (set by the MonitoringHub and ModelMonitor constructs). */
export interface HubEnvironment {
  /** RESULTS_BUCKET: the hub's results bucket. */
  bucket: string;
  /** RESULTS_PREFIX: the prefix results live under, e.g. `results`. */
  prefix: string;
  /** ATHENA_WORKGROUP: the hub's workgroup (enforces result location, encryption, scan cutoff). */
  workGroup: string;
  /** GLUE_DATABASE: the database holding every model's tables. */
  database: string;
  /** ALERT_TOPIC_ARN and DIGEST_TOPIC_ARN: the hub's SNS topics. */
  alertTopicArn: string;
  digestTopicArn: string;
  /** EVENT_BUS_NAME: the bus retraining tickets go to. */
  eventBusName: string;
}

export function readHubEnvironment(): HubEnvironment {
  return {
    bucket: requireEnv('RESULTS_BUCKET'),
    prefix: process.env.RESULTS_PREFIX ?? 'results',
    workGroup: requireEnv('ATHENA_WORKGROUP'),
    database: requireEnv('GLUE_DATABASE'),
    alertTopicArn: requireEnv('ALERT_TOPIC_ARN'),
    digestTopicArn: requireEnv('DIGEST_TOPIC_ARN'),
    eventBusName: requireEnv('EVENT_BUS_NAME'),
  };
}
