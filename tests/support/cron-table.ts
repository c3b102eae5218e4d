/**
 * One table of retraining schedules, read by both sides of the cron parity:
 * config/cron.ts must accept ACCEPTED and refuse REFUSED (tests/config/cron.test.ts),
 * and Prefect's cron, which runs retraining on Docker and Swarm, must accept
 * and fire every schedule of ACCEPTED (the real-runtime suite, inside a worker).
 * Kubernetes' parser (robfig/cron v3) is the reason for some refusals.
 */
export const ACCEPTED = [
  "0 3 * * *",
  "*/15 * * * *",
  "5/15 * * * *",
  "1-5/2 * * * *",
  "0,30 * * * *",
  "0 9-17 * * 1-5",
  "0 0 * * 0",
  "0 0 * * sun",
  "0 0 * * MON-FRI",
  "0 0 1 jan *",
  "0 0 1 JAN-mar *",
  "0 0 1 */3 *",
  "30 2 13 * fri",
  "0 0 29 2 *",
  "0 0 31 * *",
  "59 23 31 12 *",
  " 0 3 * * * ",
  " @daily",
  "0\t3  * * *",
  "@yearly",
  "@annually",
  "@monthly",
  "@weekly",
  "@daily",
  "@midnight",
  "@hourly",
];

export const REFUSED = [
  "",
  "0 3 * *",
  "0 3 * * * *",
  "60 * * * *",
  "* 24 * * *",
  "* * 0 * *",
  "* * 32 * *",
  "* * * 0 *",
  "* * * 13 *",
  "* * * * 8",
  // Kubernetes' cron library (robfig/cron v3) takes days of week 0-6 only.
  "0 0 * * 7",
  "0 0 * * 5-7",
  "*/0 * * * *",
  "5-1 * * * *",
  "1-2-3 * * * *",
  "1/2/3 * * * *",
  ",5 * * * *",
  "a * * * *",
  "* * * foo *",
  "* * * * funday",
  "@reboot",
  "@every 5m",
  "0 0 30 2 *",
  // Kubernetes would run it on Fridays; Prefect's cron never finds a date.
  "0 0 30 2 fri",
  "0 0 31 4,6,9,11 *",
];

/** Where the next fire time after REFERENCE is known, for schedules of ACCEPTED. */
export const REFERENCE = "2026-01-01T00:00:00+00:00";
export const KNOWN_NEXT: Record<string, string> = {
  "0 3 * * *": "2026-01-01T03:00:00Z",
  "0 0 29 2 *": "2028-02-29T00:00:00Z",
  "30 2 13 * fri": "2026-01-02T02:30:00Z",
  "0 0 * * 0": "2026-01-04T00:00:00Z",
  "@monthly": "2026-02-01T00:00:00Z",
};
