import fc from 'fast-check';
import { AggregatorRegistry, Counter, Histogram, Registry, type RegistryContentType } from 'prom-client';
import { HttpRequestMetrics } from '../src/http/http-request-metrics';

const NAMES = { requests: 'vault_http_requests_total', duration: 'vault_http_request_duration_seconds' };
const BOUNDS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5];

type Request = { method: string; route: string; status: number; seconds: number };

/** The same requests counted by ours and by prom-client's own Counter and Histogram, each in a registry. */
function bothCounting(requests: Request[], openMetrics = false) {
  const registry = () => {
    const made = new Registry<RegistryContentType>();
    if (openMetrics) made.setContentType(Registry.OPENMETRICS_CONTENT_TYPE);
    return made;
  };
  const ours = registry();
  const tallies = new HttpRequestMetrics(ours, NAMES, BOUNDS);
  const theirs = registry();
  const counter = new Counter({
    name: NAMES.requests,
    help: 'HTTP requests by route pattern and status',
    labelNames: ['method', 'route', 'status'],
    registers: [theirs],
  });
  const histogram = new Histogram({
    name: NAMES.duration,
    help: 'HTTP request latency by route pattern',
    labelNames: ['method', 'route'],
    buckets: BOUNDS,
    registers: [theirs],
  });
  for (const { method, route, status, seconds } of requests) {
    tallies.observe(method, route, status, seconds);
    counter.inc({ method, route, status: String(status) });
    histogram.observe({ method, route }, seconds);
  }
  return { ours, theirs };
}

const requests = fc.array(
  fc.record({
    method: fc.constantFrom('GET', 'POST', 'HEAD'),
    route: fc.constantFrom('/f/:otk', '/v1/requests', '/v1/detokenize', 'unmatched'),
    status: fc.constantFrom(200, 201, 303, 404, 429, 500),
    // Exactly on a bound (prom-client counts it in that bucket), between, and past the last.
    seconds: fc.oneof(fc.constantFrom(...BOUNDS), fc.double({ min: 0, max: 10, noNaN: true })),
  }),
  { maxLength: 60 },
);

describe('HTTP request metrics in plain numbers', () => {
  it("expose exactly what prom-client's Counter and Histogram expose for the same requests", async () => {
    await fc.assert(
      fc.asyncProperty(requests, async (seen) => {
        const { ours, theirs } = bothCounting(seen);
        expect(await ours.metrics()).toBe(await theirs.metrics());
      }),
      { numRuns: 150 },
    );
  });

  it('in OpenMetrics too', async () => {
    const seen = [
      { method: 'GET', route: '/f/:otk', status: 200, seconds: 0.004 },
      { method: 'POST', route: '/v1/requests', status: 201, seconds: 0.02 },
    ];
    const { ours, theirs } = bothCounting(seen, true);
    expect(await ours.metrics()).toBe(await theirs.metrics());
    expect(await ours.metrics()).toMatch(
      /^vault_http_requests_total\{method="GET",route="\/f\/:otk",status="200"\} 1$/m,
    );
  });

  it("add up across workers as prom-client's cluster aggregation adds its own", async () => {
    await fc.assert(
      fc.asyncProperty(requests, requests, async (first, second) => {
        const workers = [bothCounting(first), bothCounting(second)];
        const ours = AggregatorRegistry.aggregate(await Promise.all(workers.map((w) => w.ours.getMetricsAsJSON())));
        const theirs = AggregatorRegistry.aggregate(await Promise.all(workers.map((w) => w.theirs.getMetricsAsJSON())));
        expect(await ours.metrics()).toBe(await theirs.metrics());
      }),
      { numRuns: 50 },
    );
  });

  it('start again from nothing when the registry resets its metrics', async () => {
    const { ours } = bothCounting([{ method: 'GET', route: '/f/:otk', status: 200, seconds: 0.004 }]);
    ours.resetMetrics();
    expect(await ours.metrics()).not.toMatch(/route=/);
  });
});
