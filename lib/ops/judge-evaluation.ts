import type { CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { SSMClient } from '@aws-sdk/client-ssm';
import type { JudgeRuntimeSettings } from '../domain/judge/judge-runtime-settings';
import { judgeWindow, type Judgement } from '../domain/judge/judge-window';
import type { WindowStart } from '../domain/judge/window-start';
import { WindowTally } from '../domain/judge/window-tally';
import { beforeDeadline } from './judge-deadline';
import { readJudgeMinutes, type MinutesRead } from './judge-metric-reads';
import { findWindowStart, type DeploymentReads } from './judge-window-start';

/**
 * The judge's look at this moment: where the window starts, the minutes since, the judgement.
 * Shared by the scheduled judge (which then publishes its verdicts) and `rollout status` /
 * `rollout advance` (which show and gate on them), so on-call sees the evidence the judge's
 * own code finds on the same GetMetricData reads. Reads only.
 */
export interface JudgeEvaluationDeps {
  readonly settings: Pick<JudgeRuntimeSettings, 'namespace' | 'newModel' | 'defaultModel' | 'judge'>;
  readonly deployments: DeploymentReads;
  readonly ssm: SSMClient;
  /** The SSM parameter holding the last window reset. */
  readonly resetParameter: string;
  readonly cloudwatch: CloudWatchClient;
  readonly now: Date;
  /**
   * Aborts every AWS call (the scheduled judge's deadline for its run); an aborted read fails
   * with a JudgeDeadlineError naming it. None for the CLI: its calls take as long as they take.
   */
  readonly signal?: AbortSignal;
}

export type JudgeEvaluation =
  | { readonly kind: 'nothing-live'; readonly reason: string }
  | {
      readonly kind: 'judged';
      readonly window: Extract<WindowStart, { kind: 'window' }>;
      readonly read: MinutesRead;
      readonly judgement: Judgement;
    };

export async function evaluateJudge(deps: JudgeEvaluationDeps): Promise<JudgeEvaluation> {
  const { settings, signal } = deps;
  const window = await beforeDeadline(
    'reading where the window starts (AppConfig ListDeployments/GetDeployment, SSM GetParameter)',
    signal,
    () => findWindowStart(deps.deployments, deps.ssm, deps.resetParameter, signal),
  );
  if (window.kind === 'nothing-live') return window;
  const read = await beforeDeadline('reading the window’s minutes (CloudWatch GetMetricData)', signal, () =>
    readJudgeMinutes(
      deps.cloudwatch,
      {
        namespace: settings.namespace,
        newModel: settings.newModel,
        defaultModel: settings.defaultModel,
        slowCallMs: settings.judge.slowCallMs,
      },
      window.start.getTime(),
      deps.now.getTime(),
      { signal },
    ),
  );
  const judgement = judgeWindow(WindowTally.of(window.start.getTime(), read.minutes), settings.judge);
  return { kind: 'judged', window, read, judgement };
}
