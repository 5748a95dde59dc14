import { binomialAtLeast, binomialPmfRange } from './binomial';
import { smallestFailingCount } from './critical-count';
import { expectedCalls, type PhaseTraffic } from './phase-traffic';
import type { RateComparisonSettings } from './rate-comparison';

/**
 * The chance a check fails a regression within a watch window, computed exactly from the
 * check's own verdicts: at the window's last look, for each count of default-model events, the
 * fewest new-model events that fail, and the binomial chance of reaching it. Earlier looks can
 * only add detections, so this is a lower bound on the power of a judge that looks every few
 * minutes. Pure module: no AWS import.
 *
 * The default model's count matters where it serves little (at 100%, only fallbacks): its
 * range is cut into bins, and each bin is charged the failing count of its highest value
 * (more default-model events need more new-model events), which keeps the figure a lower
 * bound. The call counts themselves are taken at their expected values.
 */
export interface RateRise {
  /** Both models' rate before the regression (0–1). */
  readonly baselineRate: number;
  /** The new model's rate with it (0–1). */
  readonly newRate: number;
  /** Share of new-model calls that fall back to the default model (adds to its calls). */
  readonly fallbackRate: number;
}

/** Bins over the default model's event count, out to this many standard deviations each side. */
const BASELINE_BINS = 24;
const BASELINE_SPAN_SD = 6;

export function detectionPower(
  traffic: PhaseTraffic,
  hours: number,
  rise: RateRise,
  settings: RateComparisonSettings,
): number {
  const calls = expectedCalls(traffic, hours * 60, rise.fallbackRate);
  const n0 = calls.defaultModel;
  const mean = n0 * rise.baselineRate;
  const sd = Math.sqrt(mean * (1 - rise.baselineRate));
  const low = Math.max(0, Math.floor(mean - BASELINE_SPAN_SD * sd));
  const high = Math.min(n0, Math.ceil(mean + BASELINE_SPAN_SD * sd));
  const width = Math.max(1, Math.ceil((high - low + 1) / BASELINE_BINS));
  const pmf = binomialPmfRange(n0, rise.baselineRate, low, high);
  let power = 0;
  let needed: number | undefined;
  for (let from = low; from <= high; from += width) {
    const to = Math.min(high, from + width - 1);
    let binChance = 0;
    for (let x = from; x <= to; x++) binChance += pmf[x - low]!;
    needed = smallestFailingCount(calls.newModel, { events: to, trials: n0 }, settings, needed);
    if (needed === undefined) break; // more default-model events only make failing harder
    power += binChance * binomialAtLeast(needed, calls.newModel, rise.newRate);
  }
  return power;
}

/**
 * The smallest rise (points, to 0.01) over `baselineRate` caught with `power` within `hours`;
 * undefined when not even a model failing every call is.
 */
export function smallestDetectableRisePoints(
  traffic: PhaseTraffic,
  hours: number,
  baselineRate: number,
  power: number,
  settings: RateComparisonSettings,
): number | undefined {
  const powerAt = (risePoints: number): number => {
    const newRate = baselineRate + risePoints / 100;
    return detectionPower(traffic, hours, { baselineRate, newRate, fallbackRate: newRate }, settings);
  };
  let low = 0; // hundredths of a point known to be missed
  let high = Math.round((1 - baselineRate) * 10_000); // hundredths: the new model fails every call
  if (powerAt(high / 100) < power) return undefined;
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (powerAt(mid / 100) >= power) high = mid;
    else low = mid;
  }
  return high / 100;
}

/** The whole hours of watching after which `rise` is caught with `power`; undefined past `maxHours`. */
export function hoursToDetect(
  traffic: PhaseTraffic,
  rise: RateRise,
  power: number,
  settings: RateComparisonSettings,
  maxHours = 24 * 365,
): number | undefined {
  const caught = (hours: number): boolean => detectionPower(traffic, hours, rise, settings) >= power;
  let high = 1;
  while (!caught(high)) {
    if (high >= maxHours) return undefined;
    high = Math.min(maxHours, high * 2);
  }
  let low = high === 1 ? 0 : high / 2;
  while (high - low > 1) {
    const mid = Math.floor((low + high) / 2);
    if (caught(mid)) high = mid;
    else low = mid;
  }
  return high;
}
