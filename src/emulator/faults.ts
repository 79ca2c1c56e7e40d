/**
 * Fault injection: random 429/500/503 answers and added latency, globally or per route template
 * (`"POST /organizations"`), deterministic when a seed is given; and scripted one-off faults,
 * including "the write lands but the answer is a 500" — or a 200 whose body is cut off or empty —
 * so clients can test unknown outcomes.
 */

export type FaultStatus = 429 | 500 | 503;
/**
 * What a route or scripted fault may answer: a random fault's statuses, 200 with a broken `body`,
 * or 422, a validation error, for testing how a client reports a refused record.
 */
export type RouteFaultStatus = FaultStatus | 200 | 422;

/**
 * A broken answer body: `truncated` sends the first half of the JSON the route would answer,
 * `empty` sends no body at all. With `afterWrite` the handler runs first, so the write lands.
 */
export type FaultBody = 'truncated' | 'empty';

export interface RouteFault {
  faultRate?: number;
  /** 429, 500 or 503; 422; or 200 with `body` (the default status when `body` is given). */
  status?: RouteFaultStatus;
  latencyMs?: number;
  /** Run the handler (the write lands), then answer the fault status instead of its result. */
  afterWrite?: boolean;
  /** Answer this broken body instead of the normal one. */
  body?: FaultBody;
}

/** A fault for the next `times` (default 1) requests matching `route`, served before random ones. */
export interface ScriptedFault {
  route: string;
  /** 429, 500 or 503 (default 500); 422; or 200 with `body` (the default status when `body` is given). */
  status?: RouteFaultStatus;
  afterWrite?: boolean;
  /** Answer this broken body instead of the normal one, e.g. `{"afterWrite": true, "body": "truncated"}`. */
  body?: FaultBody;
  times?: number;
}

export interface FaultSettings {
  faultRate: number;
  /** Status of random faults; absent: one of 429, 500, 503 at random. */
  faultStatus?: FaultStatus;
  latencyMs: number;
  /** Seed of the fault generator; absent or null: not reproducible. */
  faultSeed?: number | null;
  routes: Record<string, RouteFault>;
  script: ScriptedFault[];
}

export interface FaultDecision {
  latencyMs: number;
  fault: { status: RouteFaultStatus; afterWrite: boolean; body: FaultBody | null } | null;
}

/** A small seeded generator (mulberry32): same seed, same sequence of faults. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const STATUSES: readonly FaultStatus[] = [429, 500, 503];

export class FaultInjector {
  private random: () => number = Math.random;
  private settings!: FaultSettings;
  /** True when no fault or latency is configured (kept by `configure`, read on every request). */
  quiet = true;

  constructor(settings: FaultSettings) {
    this.configure(settings);
  }

  configure(settings: FaultSettings): void {
    this.settings = settings;
    this.quiet =
      settings.faultRate <= 0 &&
      settings.latencyMs <= 0 &&
      settings.script.length === 0 &&
      Object.keys(settings.routes).length === 0;
    this.random =
      settings.faultSeed === undefined || settings.faultSeed === null
        ? Math.random
        : mulberry32(settings.faultSeed);
  }

  get current(): FaultSettings {
    return this.settings;
  }

  /** True when no fault or latency can apply, so the hot path skips the rest. */
  get idle(): boolean {
    const s = this.settings;
    return (
      s.faultRate <= 0 && s.latencyMs <= 0 && s.script.length === 0 && Object.keys(s.routes).length === 0
    );
  }

  /** Decides latency and fault for a request to `method template`. */
  decide(method: string, template: string): FaultDecision {
    const s = this.settings;
    const key = `${method} ${template}`;
    const route = s.routes[key] ?? s.routes[template];
    const latencyMs = route?.latencyMs ?? s.latencyMs;
    const scripted = s.script.findIndex((f) => f.route === key || f.route === template || f.route === '*');
    if (scripted >= 0) {
      const f = s.script[scripted] as ScriptedFault;
      const left = (f.times ?? 1) - 1;
      if (left <= 0) s.script.splice(scripted, 1);
      else f.times = left;
      return {
        latencyMs,
        fault: {
          status: f.status ?? (f.body ? 200 : 500),
          afterWrite: f.afterWrite ?? false,
          body: f.body ?? null,
        },
      };
    }
    const rate = route?.faultRate ?? s.faultRate;
    if (rate > 0 && this.random() < rate) {
      const status =
        route?.status ??
        (route?.body ? 200 : undefined) ??
        s.faultStatus ??
        (STATUSES[Math.floor(this.random() * STATUSES.length)] as FaultStatus);
      return {
        latencyMs,
        fault: { status, afterWrite: route?.afterWrite ?? false, body: route?.body ?? null },
      };
    }
    return { latencyMs, fault: null };
  }
}
