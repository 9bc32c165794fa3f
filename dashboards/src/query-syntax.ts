// Syntax checks with the grammars Grafana's own query editors use: Prometheus' lezer-promql, Grafana's lezer-logql
// and lezer-traceql. Lezer recovers from errors by inserting error nodes, so "parses" means "no error node".
import { parser as logql } from '@grafana/lezer-logql';
import { parser as traceql } from '@grafana/lezer-traceql';
import { parser as promql } from '@prometheus-io/lezer-promql';
import type { Language } from './expressions.ts';

const parsers = { promql, logql, traceql } as const;

/** Offsets of the syntax errors in `query`; empty when it parses. */
export function syntaxErrors(language: Language, query: string): number[] {
  const errors: number[] = [];
  parsers[language].parse(query).iterate({
    enter: (node) => {
      if (node.type.isError) errors.push(node.from);
    },
  });
  return errors;
}
