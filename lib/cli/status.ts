import { alarmName } from '../domain/alarm-names';
import { pauserOf } from '../domain/alarm-pause';
import type { RolloutConfig } from '../domain/config-schema';
import { findPhase, nextPhase } from '../domain/phases';
import { bakeEndOf, hours, nextStepOf } from '../domain/rollout-progress';
import { expectedSpendByPhase } from '../domain/spend';
import type { RolloutReader, RolloutSnapshot } from '../ops/rollout-reader';
import { OFF_PHASE } from '../domain/names';
import { CliError } from './cli-error';
import { WindowResetRecordError } from '../domain/judge/window-reset';
import { JudgeMetricReadError } from '../ops/judge-metric-errors';
import { judgeLines, judgeReport, type JudgeReport } from './judge-report';
import { servedPercentLabel } from '../domain/holdback';
import { EXIT } from './exit-codes';

/**
 * `rollout status`: the live phase and its share of users, the deployment in flight, how long
 * the phase has been live against its watch window, every rollout alarm, and the next step.
 */
export async function status(
  config: RolloutConfig,
  reader: RolloutReader,
  print: (line: string) => void,
  now: Date = new Date(),
  options: { readonly json?: boolean } = {},
): Promise<number> {
  const s = await reader.snapshot();
  const phase = findPhase(config, s.live.phase);
  const judge = await readJudge(config, reader, s, now);
  if (options.json) {
    print(JSON.stringify(statusReport(config, s, judge), null, 2));
    return EXIT.ok;
  }
  const share = phase
    ? `${servedPercentLabel(phase.rolloutPercent, config.judge.holdbackPercent)}${phase.allowlist.length ? ` + ${phase.allowlist.length} allowlisted` : ''}`
    : 'nobody';
  print(
    `Rollout of ${config.llm.newModelAlias} (default ${config.llm.defaultModel}), flag ${config.llm.useNewModelFlagKey} in ${config.appConfig.applicationName}/${config.appConfig.environmentName}`,
  );
  print(
    `Live phase: ${s.live.phase} — ${share}${s.live.deployment ? ` (deployment #${s.live.deployment.number})` : ''}`,
  );
  if (s.live.since) {
    const window = phase
      ? ` of its watch window ${phase.watchWindowHours.min}–${phase.watchWindowHours.max ?? '∞'} h`
      : '';
    print(
      `Live for: ${hours(now.getTime() - s.live.since.getTime())} h${window} (since ${s.live.since.toISOString()})`,
    );
  }
  if (s.inFlight) {
    // A rollback has no bake left to count down.
    const bake = s.inFlight.state === 'ROLLING_BACK' ? undefined : bakeEndOf(s.inFlight);
    const bakeLeft = bake
      ? `, bake ends in ${Math.max(0, Math.round((bake.getTime() - now.getTime()) / 60_000))} min`
      : '';
    print(
      `In flight: deployment #${s.inFlight.number} of ${s.inFlight.label ?? s.inFlight.version} — ${s.inFlight.state}, ${s.inFlight.percentComplete ?? 0}% of environments${bakeLeft}`,
    );
  } else {
    print('In flight: nothing');
  }
  print('Alarms:');
  if (s.alarms.length === 0) print('  (none found: is the stack deployed in this account and region?)');
  const by = s.pausedFor ? pauserOf(s.pausedFor.description) : undefined;
  const pausedFor =
    s.pausedFor && by ? ` for ${by}'s off deployment #${s.pausedFor.number} (${s.pausedFor.state})` : '';
  for (const a of s.alarms) {
    const paused =
      a.actionsEnabled === false
        ? ` — ACTIONS DISABLED${a.name === alarmName(config, 'rollback') ? pausedFor : ''}: no page, no AppConfig rollback (aws cloudwatch enable-alarm-actions --alarm-names ${a.name})`
        : '';
    print(`  ${a.state.padEnd(17)} ${a.name}${a.state === 'ALARM' && a.reason ? ` — ${a.reason}` : ''}${paused}`);
  }
  const spend = expectedSpendByPhase(config);
  if (spend) {
    const at = (name: string): string => {
      const p = spend.find((x) => x.phase === name);
      return p ? `$${p.dailyUsd.toFixed(2)}/day` : 'n/a';
    };
    const next = nextPhase(config, s.live.phase);
    print(
      `Expected vendor spend: ${at(s.live.phase)} now${next ? `, ${at(next.name)} at ${next.name}` : ''} (from spend.traffic)`,
    );
  }
  for (const line of judgeLines(judge)) print(line);
  print(`Next: ${nextStepOf(config, s.live, s.inFlight, s.alarms, now)}`);
  return EXIT.ok;
}

/**
 * The judge's look now. A judge that cannot be read (its SSM parameter missing on a stack from
 * before the judge, CloudWatch refusing) must not hide the rest of the status: it is reported
 * as the judge's state instead.
 */
async function readJudge(
  config: RolloutConfig,
  reader: RolloutReader,
  s: RolloutSnapshot,
  now: Date,
): Promise<JudgeReport> {
  try {
    return judgeReport(config, await reader.judge(s.resources, now), s.live.phase);
  } catch (err) {
    const readable =
      err instanceof CliError || err instanceof WindowResetRecordError || err instanceof JudgeMetricReadError;
    if (!readable) throw err;
    return {
      verdict: 'inconclusive',
      reason: `the judge could not be read: ${err.message}`,
      window: null,
      checks: [],
      sample: { newModelCalls: 0, planned: null },
    };
  }
}

/** `status --json`: one object, for scripts and dashboards. */
export function statusReport(config: RolloutConfig, s: RolloutSnapshot, judge: JudgeReport): object {
  const phase = findPhase(config, s.live.phase);
  const since = s.live.since;
  return {
    livePhase: phase ? phase.name : OFF_PHASE,
    deploymentInFlight: s.inFlight
      ? {
          number: s.inFlight.number,
          phase: s.inFlight.label ?? null,
          state: s.inFlight.state,
          percentageComplete: s.inFlight.percentComplete ?? 0,
        }
      : null,
    watchWindow: {
      startedAt: since?.toISOString() ?? null,
      minEndsAt:
        since && phase ? new Date(since.getTime() + phase.watchWindowHours.min * 3_600_000).toISOString() : null,
    },
    alarms: s.alarms.map((a) => ({ name: a.name, state: a.state, actionsEnabled: a.actionsEnabled ?? null })),
    judge,
  };
}
