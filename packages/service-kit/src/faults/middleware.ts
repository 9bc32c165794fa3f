// Applies the fault engine's decision to a request and makes it visible: span attributes, a log line per kind.
import { setTimeout as sleep } from 'node:timers/promises';
import { trace } from '@opentelemetry/api';
import type { RequestHandler } from 'express';
import type { Logger } from '../logger.ts';
import { HttpProblem } from '../problem.ts';
import { burnCpu } from './cpu.ts';
import type { FaultEngine } from './engine.ts';

export function faultMiddleware(engine: FaultEngine, logger: Logger): RequestHandler {
  return async (req, _res, next) => {
    const decision = engine.decide(req.method, req.path);
    if (!decision) return next();
    const latencyMs = Math.round(decision.latencyMs);
    trace.getActiveSpan()?.setAttributes({
      'lab.fault.active': true,
      'lab.fault.kind': decision.kinds.join(','),
      'lab.fault.route': decision.route,
      ...(latencyMs > 0 ? { 'lab.fault.latency_ms': latencyMs } : {}),
    });
    for (const kind of decision.kinds) {
      logger.warn({ fault: kind, fault_route: decision.route, ...faultDetail(kind, decision) }, 'fault injected');
    }
    if (decision.latencyMs > 0) await sleep(decision.latencyMs);
    if (decision.cpuMs > 0) burnCpu(decision.cpuMs);
    if (decision.errorStatus !== undefined) {
      throw new HttpProblem(decision.errorStatus, {
        type: 'injected-fault',
        title: 'Injected fault',
        detail: `fault injection rule '${decision.route}' failed this request on purpose`,
      });
    }
    next();
  };
}

function faultDetail(kind: string, decision: { latencyMs: number; cpuMs: number; errorStatus?: number }) {
  if (kind === 'latency') return { latency_ms: Math.round(decision.latencyMs) };
  if (kind === 'cpu') return { cpu_ms: decision.cpuMs };
  if (kind === 'error') return { status: decision.errorStatus };
  return {};
}
