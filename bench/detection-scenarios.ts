import { VENDOR_ERROR_BASELINES_PERCENT } from '../lib/domain/judge/planning-assumptions';

/**
 * The benchmark's scenarios: what both models do in a phase's window. Rates not named here
 * (throttles, refusals, latency) are the same healthy figures for both models.
 */
export type NewModelBehaviour = 'healthy' | 'dead' | 'errors-3pct' | 'latency-2x';

export interface Scenario {
  readonly key: string;
  /** Column heading in the report. */
  readonly title: string;
  /** Error rate both models share (vendor-wide), 0–1. */
  readonly vendorErrorRate: number;
  /** A 10-minute vendor incident at 20% errors on both models, at a random time in the window. */
  readonly incident: boolean;
  /** Errors clustered by user: users differ in error propensity, and the cohort is a sticky set of users. */
  readonly clustered: boolean;
  readonly newModel: NewModelBehaviour;
  /** How long a run watches, in minutes, for a phase whose minimum watch window is `windowMinutes`. */
  runMinutes(windowMinutes: number): number;
}

const wholeWindow = (windowMinutes: number): number => windowMinutes;

/**
 * Per vendor-wide error rate, a plain healthy window and a harsh one: a 10-minute incident at
 * 20% errors on both models at a random time, and errors clustered by user, together.
 */
const nullScenarios: Scenario[] = VENDOR_ERROR_BASELINES_PERCENT.flatMap((percent) => [
  {
    key: `null-${percent}`,
    title: `${percent}%`,
    vendorErrorRate: percent / 100,
    incident: false,
    clustered: false,
    newModel: 'healthy' as const,
    runMinutes: wholeWindow,
  },
  {
    key: `harsh-${percent}`,
    title: `${percent}% + incident + clustered`,
    vendorErrorRate: percent / 100,
    incident: true,
    clustered: true,
    newModel: 'healthy' as const,
    runMinutes: wholeWindow,
  },
]);

export const SCENARIOS: readonly Scenario[] = [
  ...nullScenarios,
  {
    key: 'dead',
    title: 'dead model',
    vendorErrorRate: 0.01,
    incident: false,
    clustered: false,
    newModel: 'dead',
    runMinutes: wholeWindow,
  },
  {
    key: 'errors-3pct',
    title: '1% → 3% errors',
    vendorErrorRate: 0.01,
    incident: false,
    clustered: false,
    newModel: 'errors-3pct',
    runMinutes: wholeWindow,
  },
  {
    key: 'latency-2x',
    title: '2× latency',
    vendorErrorRate: 0.01,
    incident: false,
    clustered: false,
    newModel: 'latency-2x',
    runMinutes: wholeWindow,
  },
];

/** Healthy rates both models share, besides errors. */
export const HEALTHY_THROTTLE_RATE = 0.003;
export const HEALTHY_REFUSAL_RATE = 0.002;
export const INCIDENT_ERROR_RATE = 0.2;
export const INCIDENT_MINUTES = 10;
/** The new model dies at a random minute in its window's first hour (or first quarter, if shorter). */
export const DEATH_WITHIN_MINUTES = 60;
/** Clustering: requests per user per day, and the spread of users' traffic and error propensity. */
export const REQUESTS_PER_USER_PER_DAY = 10;
export const USER_TRAFFIC_LOG_SD = 1;
export const USER_ERROR_PROPENSITY_SHAPE = 1;
