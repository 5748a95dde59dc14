import {
  EmfMetricsPublisher,
  METRIC_UNITS,
  RequestMetrics,
  type ExtraDimension,
  type MetricName,
  type MetricsPublisher,
  type MetricTarget,
  type Route,
} from '../../../lib/gateway/metrics';

type Batch = {
  model: string | undefined;
  route?: Route;
  extra?: ExtraDimension;
  values: Array<readonly [MetricName, number]>;
};

class RecordingPublisher implements MetricsPublisher {
  public readonly batches: Batch[] = [];
  public publish(target: MetricTarget | undefined, values: ReadonlyArray<readonly [MetricName, number]>): void {
    this.batches.push(
      target
        ? {
            model: target.model,
            route: target.route,
            ...(target.extra ? { extra: target.extra } : {}),
            values: [...values],
          }
        : { model: undefined, values: [...values] },
    );
  }
}

describe('RequestMetrics', () => {
  it('publishes one batch per model, in the order first seen, then FlagErrors without a model', () => {
    const publisher = new RecordingPublisher();
    const metrics = new RequestMetrics(publisher);
    metrics.setRoute('rollout');
    metrics.add('claude-haiku-4-5', 'Requests', 1);
    metrics.add('claude-sonnet-4-6', 'Requests', 1);
    metrics.add('claude-haiku-4-5', 'ModelErrors', 1);
    metrics.flagError();
    metrics.add('claude-sonnet-4-6', 'Latency', 812);
    metrics.add('claude-haiku-4-5', 'Fallbacks', 1);
    metrics.flagError();
    const onError = jest.fn();
    metrics.flush(onError);
    expect(onError).not.toHaveBeenCalled();
    expect(publisher.batches).toEqual<Batch[]>([
      {
        model: 'claude-haiku-4-5',
        route: 'rollout',
        values: [
          ['Requests', 1],
          ['ModelErrors', 1],
          ['Fallbacks', 1],
        ],
      },
      {
        model: 'claude-sonnet-4-6',
        route: 'rollout',
        values: [
          ['Requests', 1],
          ['Latency', 812],
        ],
      },
      { model: undefined, values: [['FlagErrors', 2]] },
    ]);
  });

  it('publishes VendorAuthFailures without a model, in one batch with FlagErrors', () => {
    const publisher = new RecordingPublisher();
    const metrics = new RequestMetrics(publisher);
    metrics.add('claude-haiku-4-5', 'Requests', 1);
    metrics.vendorAuthFailure();
    metrics.flush(jest.fn());
    metrics.flagError();
    metrics.vendorAuthFailure();
    metrics.flush(jest.fn());
    expect(publisher.batches).toEqual<Batch[]>([
      { model: 'claude-haiku-4-5', route: 'direct', values: [['Requests', 1]] },
      { model: undefined, values: [['VendorAuthFailures', 1]] },
      {
        model: undefined,
        values: [
          ['FlagErrors', 1],
          ['VendorAuthFailures', 1],
        ],
      },
    ]);
  });

  it('publishes each count with an extra dimension set in a batch of its own, after the model batches', () => {
    const publisher = new RecordingPublisher();
    const metrics = new RequestMetrics(publisher);
    metrics.setRoute('rollout');
    metrics.addWithDimension('claude-haiku-4-5', 'AdaptedRequests', { name: 'Rule', value: 'oneSamplingParameter' });
    metrics.add('claude-haiku-4-5', 'Requests', 1);
    metrics.addWithDimension('claude-haiku-4-5', 'AdaptedRequests', { name: 'Rule', value: 'clampMaxTokens' });
    metrics.addWithDimension('claude-haiku-4-5', 'IncompatibleRequests', {
      name: 'ErrorType',
      value: 'invalid_request_error',
    });
    metrics.flush(jest.fn());
    metrics.flush(jest.fn());
    expect(publisher.batches).toEqual<Batch[]>([
      { model: 'claude-haiku-4-5', route: 'rollout', values: [['Requests', 1]] },
      {
        model: 'claude-haiku-4-5',
        route: 'rollout',
        extra: { name: 'Rule', value: 'oneSamplingParameter' },
        values: [['AdaptedRequests', 1]],
      },
      {
        model: 'claude-haiku-4-5',
        route: 'rollout',
        extra: { name: 'Rule', value: 'clampMaxTokens' },
        values: [['AdaptedRequests', 1]],
      },
      {
        model: 'claude-haiku-4-5',
        route: 'rollout',
        extra: { name: 'ErrorType', value: 'invalid_request_error' },
        values: [['IncompatibleRequests', 1]],
      },
    ]);
  });

  it('publishes nothing for an empty request, and no FlagErrors batch when there were none', () => {
    const publisher = new RecordingPublisher();
    new RequestMetrics(publisher).flush(jest.fn());
    expect(publisher.batches).toEqual([]);
    const metrics = new RequestMetrics(publisher);
    metrics.add('other', 'Requests', 1);
    metrics.flush(jest.fn());
    expect(publisher.batches.map((b) => b.model)).toEqual(['other']);
  });

  it('meters a request as direct until it is told the route (a stray metric never feeds a rollback alarm)', () => {
    const publisher = new RecordingPublisher();
    const metrics = new RequestMetrics(publisher);
    metrics.add('claude-haiku-4-5', 'Requests', 1);
    metrics.flush(jest.fn());
    expect(publisher.batches).toEqual([{ model: 'claude-haiku-4-5', route: 'direct', values: [['Requests', 1]] }]);
  });

  it('a flush empties the collection: a second flush publishes nothing new', () => {
    const publisher = new RecordingPublisher();
    const metrics = new RequestMetrics(publisher);
    metrics.add('m', 'Requests', 1);
    metrics.flagError();
    metrics.flush(jest.fn());
    metrics.flush(jest.fn());
    expect(publisher.batches).toHaveLength(2);
  });

  it('never throws when the publisher throws: onError gets the error, and the collection is cleared', () => {
    const boom = new Error('stdout closed');
    const publish = jest.fn<void, [MetricTarget | undefined, ReadonlyArray<readonly [MetricName, number]>]>(() => {
      throw boom;
    });
    const metrics = new RequestMetrics({ publish });
    metrics.add('m', 'Requests', 1);
    metrics.flagError();
    const onError = jest.fn();
    expect(() => metrics.flush(onError)).not.toThrow();
    expect(onError).toHaveBeenCalledTimes(1);
    expect(onError).toHaveBeenCalledWith(boom);
    publish.mockClear();
    metrics.flush(onError);
    expect(publish).not.toHaveBeenCalled();
  });

  it('never throws when the publisher throws a non-Error', () => {
    const metrics = new RequestMetrics({
      publish: () => {
        // eslint-disable-next-line @typescript-eslint/only-throw-error -- a thrown non-Error is what this test is about
        throw 'nope';
      },
    });
    metrics.flagError();
    const onError = jest.fn();
    metrics.flush(onError);
    expect(onError).toHaveBeenCalledWith('nope');
  });
});

describe('METRIC_UNITS', () => {
  it('matches the metrics contract (README, Metrics) plus CircuitOpen, VendorAuthFailures, IncompatibleRequests and AdaptedRequests', () => {
    expect(METRIC_UNITS).toEqual({
      Requests: 'Count',
      ModelErrors: 'Count',
      Throttles: 'Count',
      Fallbacks: 'Count',
      Latency: 'Milliseconds',
      TimeToFirstToken: 'Milliseconds',
      InputTokens: 'Count',
      OutputTokens: 'Count',
      EstimatedCostUsd: 'None',
      ModerationFlags: 'Count',
      IncompatibleRequests: 'Count',
      AdaptedRequests: 'Count',
      CircuitOpen: 'Count',
      FlagErrors: 'Count',
      VendorAuthFailures: 'Count',
    });
  });
});

interface EmfDirective {
  Namespace: string;
  Dimensions: string[][];
  Metrics: Array<{ Name: string; Unit?: string }>;
}
interface EmfBlob {
  _aws: { Timestamp: number; CloudWatchMetrics: EmfDirective[] };
  [key: string]: unknown;
}

describe('EmfMetricsPublisher', () => {
  let written: string[];
  let spy: jest.SpyInstance;

  beforeEach(() => {
    written = [];
    spy = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array): boolean => {
      written.push(typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8'));
      return true;
    });
  });

  afterEach(() => {
    spy.mockRestore();
  });

  function blobs(): EmfBlob[] {
    return written
      .join('')
      .split('\n')
      .filter((line) => line.trim().startsWith('{'))
      .map((line) => JSON.parse(line) as EmfBlob)
      .filter((b) => b._aws !== undefined);
  }

  it('writes one EMF blob per batch with Dimensions [["Model"], ["Model", "Route"]], the namespace, units, and no service key', () => {
    const publisher = new EmfMetricsPublisher('ModelRollout');
    publisher.publish({ model: 'claude-haiku-4-5', route: 'rollout' }, [
      ['Requests', 1],
      ['Latency', 250],
      ['EstimatedCostUsd', 0.0123],
    ]);
    const [blob, ...rest] = blobs();
    expect(rest).toHaveLength(0);
    expect(blob).toBeDefined();
    if (!blob) return;
    const [directive] = blob._aws.CloudWatchMetrics;
    expect(directive?.Namespace).toBe('ModelRollout');
    expect(directive?.Dimensions).toEqual([['Model'], ['Model', 'Route']]);
    expect(directive?.Metrics).toEqual([
      { Name: 'Requests', Unit: 'Count' },
      { Name: 'Latency', Unit: 'Milliseconds' },
      { Name: 'EstimatedCostUsd', Unit: 'None' },
    ]);
    expect(blob.Model).toBe('claude-haiku-4-5');
    expect(blob.Route).toBe('rollout');
    expect(blob.Requests).toBe(1);
    expect(blob.Latency).toBe(250);
    expect(blob.EstimatedCostUsd).toBe(0.0123);
    expect(blob).not.toHaveProperty('service');
    expect(JSON.stringify(blob._aws)).not.toContain('service');
  });

  it("writes FlagErrors without a Model dimension, and the previous batch's Model does not leak into it", () => {
    const publisher = new EmfMetricsPublisher('ModelRollout');
    publisher.publish({ model: 'claude-sonnet-4-6', route: 'direct' }, [['Requests', 1]]);
    publisher.publish(undefined, [['FlagErrors', 1]]);
    const all = blobs();
    expect(all).toHaveLength(2);
    const flagBlob = all[1];
    expect(flagBlob?.FlagErrors).toBe(1);
    expect(flagBlob).not.toHaveProperty('Model');
    expect(flagBlob).not.toHaveProperty('Route');
    expect(flagBlob).not.toHaveProperty('service');
    expect(flagBlob?._aws.CloudWatchMetrics[0]?.Dimensions.flat()).toEqual([]);
  });

  it('keeps batches for different models apart', () => {
    const publisher = new EmfMetricsPublisher('NS');
    publisher.publish({ model: 'a', route: 'rollout' }, [['Requests', 1]]);
    publisher.publish({ model: 'b', route: 'direct' }, [['Throttles', 1]]);
    const [first, second] = blobs();
    expect(first?.Model).toBe('a');
    expect(first?.Route).toBe('rollout');
    expect(second?.Route).toBe('direct');
    expect(first).not.toHaveProperty('Throttles');
    expect(second?.Model).toBe('b');
    expect(second).not.toHaveProperty('Requests');
    expect(second?._aws.CloudWatchMetrics[0]?.Namespace).toBe('NS');
  });

  it('writes no Powertools warnings (no key collisions between dimension sets)', () => {
    // Powertools warns through its own Console on stderr (outside POWERTOOLS_DEV).
    const errors: string[] = [];
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array): boolean => {
      errors.push(String(chunk));
      return true;
    });
    try {
      const publisher = new EmfMetricsPublisher('NS');
      publisher.publish({ model: 'a', route: 'rollout' }, [['Requests', 1]]);
      publisher.publish({ model: 'b', route: 'direct' }, [['Requests', 1]]);
    } finally {
      stderr.mockRestore();
    }
    expect(errors).toEqual([]);
    expect(blobs()).toHaveLength(2);
  });

  it('an extra dimension becomes a third set [Model, <name>] in that blob only, without Powertools warnings', () => {
    const errors: string[] = [];
    const stderr = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array): boolean => {
      errors.push(String(chunk));
      return true;
    });
    try {
      const publisher = new EmfMetricsPublisher('NS');
      publisher.publish({ model: 'a', route: 'rollout', extra: { name: 'ErrorType', value: 'not_found_error' } }, [
        ['IncompatibleRequests', 1],
      ]);
      publisher.publish({ model: 'a', route: 'rollout' }, [['Requests', 1]]);
    } finally {
      stderr.mockRestore();
    }
    expect(errors).toEqual([]);
    const [withExtra, plain] = blobs();
    expect(withExtra?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([
      ['Model'],
      ['Model', 'Route'],
      ['Model', 'ErrorType'],
    ]);
    expect(withExtra?._aws.CloudWatchMetrics[0]?.Metrics).toEqual([{ Name: 'IncompatibleRequests', Unit: 'Count' }]);
    expect(withExtra).toMatchObject({
      Model: 'a',
      Route: 'rollout',
      ErrorType: 'not_found_error',
      IncompatibleRequests: 1,
    });
    // the next blob does not inherit the extra set
    expect(plain?._aws.CloudWatchMetrics[0]?.Dimensions).toEqual([['Model'], ['Model', 'Route']]);
    expect(plain).not.toHaveProperty('ErrorType');
  });

  it('writes nothing for an empty batch', () => {
    new EmfMetricsPublisher('NS').publish({ model: 'a', route: 'rollout' }, []);
    expect(blobs()).toEqual([]);
  });
});
