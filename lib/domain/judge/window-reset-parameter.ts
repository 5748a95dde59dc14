import type { RolloutConfig } from '../config-schema';

/**
 * The SSM parameter that records the judge's last window reset, named from the config alone so
 * that the CLI finds it without reading the stack: `/<stackName>/judge/window-reset`.
 * Pure module: no AWS import.
 */
export function windowResetParameterName(config: Pick<RolloutConfig, 'stackName'>): string {
  return `/${config.stackName}/judge/window-reset`;
}
