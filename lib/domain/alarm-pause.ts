/**
 * Who paused the rollback alarm's actions, recorded in the off deployment's Description.
 *
 * The kill switch pauses the alarm's actions while the off version deploys (AppConfig rolls
 * back any deployment whose monitor is in ALARM, the kill switch included), so whoever restores
 * them must know whether an off deployment still needs them paused, and whose it is. The
 * Description is the one place both the guard and the CLI can read it from (GetDeployment).
 */

export type AlarmPauser = 'rollback guard' | 'rollout rollback';

const PAUSERS: readonly AlarmPauser[] = ['rollback guard', 'rollout rollback'];
const MARK = 'alarm actions paused by ';
/** AppConfig's limit on a deployment's Description. */
const DESCRIPTION_MAX = 1024;

/** The off deployment's Description: why, and who paused the alarm's actions for it. */
export function offDeploymentDescription(reason: string, pausedBy: AlarmPauser): string {
  const mark = ` [${MARK}${pausedBy}]`;
  return `${reason.slice(0, DESCRIPTION_MAX - mark.length)}${mark}`;
}

/** Who paused the alarm's actions for the deployment with this Description, if it says. */
export function pauserOf(description: string | undefined): AlarmPauser | undefined {
  if (!description) return undefined;
  return PAUSERS.find((p) => description.includes(`[${MARK}${p}]`));
}

/** What to do when the off deployment outlived the wait and the alarm's actions stay paused. */
export function pausedNote(alarmName: string): string {
  return `The alarm ${alarmName} still has its actions disabled, so AppConfig cannot roll the kill switch back: they are re-enabled by the next guard run or npx rollout rollback once the off deployment is COMPLETE (by hand: aws cloudwatch enable-alarm-actions --alarm-names ${alarmName}).`;
}
