// Holds the current fault configuration and decides, per request, which faults apply right now.
import { compileRouteKey, type RouteMatcher } from './route-match.ts';
import type { FaultConfig, FaultKind, RouteFault } from './spec.ts';
import { sampleLatencyMs } from './latency.ts';

/** What to do to one request. `kinds` lists the faults applied to it (for span, log and metric). */
export interface FaultDecision {
  route: string;
  kinds: FaultKind[];
  latencyMs: number;
  cpuMs: number;
  /** Set when this request is failed with an injected error. */
  errorStatus?: number;
}

/** A rule's state now: which kinds are switched on (steady or by a running incident). */
export interface RuleStatus {
  route: string;
  activeKinds: FaultKind[];
  incident?: { active: boolean; nextStartAt: string };
}

interface Effects {
  latencyMs?: RouteFault['latencyMs'];
  errorPercent?: number;
  errorStatus?: number;
  cpuMs?: number;
}

interface Rule {
  matcher: RouteMatcher;
  fault: RouteFault;
}

export interface FaultEngineOptions {
  config?: FaultConfig;
  now?: () => number;
  random?: () => number;
}

export class FaultEngine {
  #config: FaultConfig = {};
  #rules: Rule[] = [];
  #since = 0;
  readonly #now: () => number;
  readonly #random: () => number;

  constructor(options: FaultEngineOptions = {}) {
    this.#now = options.now ?? Date.now;
    this.#random = options.random ?? Math.random;
    this.set(options.config ?? {});
  }

  get config(): FaultConfig {
    return this.#config;
  }

  /** When the current configuration was set: incident schedules count from here. */
  get since(): Date {
    return new Date(this.#since);
  }

  /** Replaces the whole configuration (already validated by parseFaultConfig). */
  set(config: FaultConfig): void {
    this.#config = config;
    this.#since = this.#now();
    this.#rules = Object.entries(config)
      .map(([key, fault]) => ({ matcher: compileRouteKey(key), fault }))
      .sort((a, b) => b.matcher.specificity - a.matcher.specificity);
  }

  clear(): void {
    this.set({});
  }

  /** The most specific matching rule decides; undefined when no fault touches this request. */
  decide(method: string, path: string): FaultDecision | undefined {
    const rule = this.#rules.find((candidate) => candidate.matcher.matches(method, path));
    if (!rule) return undefined;
    const now = this.#now();
    const incidentActive = this.#incidentActive(rule.fault, now);
    const effects = this.#effects(rule.fault, incidentActive);
    const decision: FaultDecision = { route: rule.matcher.key, kinds: [], latencyMs: 0, cpuMs: 0 };
    if (effects.latencyMs !== undefined) {
      decision.latencyMs = sampleLatencyMs(effects.latencyMs, this.#random);
      if (decision.latencyMs > 0) decision.kinds.push('latency');
    }
    if (effects.cpuMs) {
      decision.cpuMs = effects.cpuMs;
      decision.kinds.push('cpu');
    }
    if (effects.errorPercent && this.#random() * 100 < effects.errorPercent) {
      decision.errorStatus = effects.errorStatus ?? 500;
      decision.kinds.push('error');
    }
    if (incidentActive) decision.kinds.push('incident');
    return decision.kinds.length > 0 ? decision : undefined;
  }

  /** Per rule, the kinds switched on now; plain arithmetic, so the metrics scrape cannot fail on it. */
  activeKinds(): { route: string; activeKinds: FaultKind[] }[] {
    const now = this.#now();
    return this.#rules.map(({ matcher, fault }) => {
      const incidentActive = this.#incidentActive(fault, now);
      const kinds = activeKinds(this.#effects(fault, incidentActive));
      if (incidentActive) kinds.push('incident');
      return { route: matcher.key, activeKinds: kinds };
    });
  }

  /** activeKinds() plus each incident's schedule, for the admin API. */
  status(): RuleStatus[] {
    const now = this.#now();
    return this.activeKinds().map((status, index) => {
      const { incident } = this.#rules[index]!.fault;
      if (!incident) return status;
      return { ...status, incident: { active: status.activeKinds.includes('incident'), nextStartAt: this.#nextIncidentStart(incident, now) } };
    });
  }

  #effects(fault: RouteFault, incidentActive: boolean): Effects {
    if (!incidentActive || !fault.incident) return fault;
    const { every: _every, duration: _duration, offset: _offset, ...incidentEffects } = fault.incident;
    return { ...fault, ...definedOnly(incidentEffects) };
  }

  #incidentActive(fault: RouteFault, now: number): boolean {
    if (!fault.incident) return false;
    const elapsed = now - this.#since - (fault.incident.offset ?? 0);
    return elapsed >= 0 && elapsed % fault.incident.every < fault.incident.duration;
  }

  #nextIncidentStart(incident: NonNullable<RouteFault['incident']>, now: number): string {
    const first = this.#since + (incident.offset ?? 0);
    const periods = now < first ? 0 : Math.floor((now - first) / incident.every) + 1;
    return new Date(first + periods * incident.every).toISOString();
  }
}

function activeKinds(effects: Effects): FaultKind[] {
  const kinds: FaultKind[] = [];
  if (effects.latencyMs !== undefined && effects.latencyMs !== 0) kinds.push('latency');
  if (effects.errorPercent) kinds.push('error');
  if (effects.cpuMs) kinds.push('cpu');
  return kinds;
}

function definedOnly<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(Object.entries(value).filter(([, entry]) => entry !== undefined)) as Partial<T>;
}
