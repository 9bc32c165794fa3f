// Evaluates an Argo Rollouts successCondition / failureCondition the way the controller does, for the subset our
// AnalysisTemplates use. The controller runs them with expr-lang (github.com/expr-lang/expr) over `result`, a Prometheus
// vector as []float64, plus Argo's helpers isNaN/isInf (argoproj/argo-rollouts utils/evaluate/evaluate.go,
// EvaluateResult / EvalCondition). Kept semantics: short-circuit && / || (and / or), ! / not, comparisons, len(), an
// index past the end is an error, and recent controllers refuse any condition that indexes `result[` when the result is
// empty (validateIndexedResultAccess): the measurement is Error, neither Successful nor Failed. Anything else in a
// condition is refused, so a condition this cannot evaluate fails the test instead of being judged by JavaScript.
type Value = number | boolean | number[];

const TOKEN = /\s*(?:(\d+(?:\.\d+)?(?:e[+-]?\d+)?)|(&&|\|\||==|!=|<=|>=|[<>!()[\],])|([A-Za-z_]\w*))/y;

function tokenize(source: string): string[] {
  const tokens: string[] = [];
  TOKEN.lastIndex = 0;
  while (TOKEN.lastIndex < source.trimEnd().length) {
    const match = TOKEN.exec(source);
    if (!match) throw new Error(`unsupported syntax at ${TOKEN.lastIndex} in: ${source}`);
    tokens.push(match[1] ?? match[2] ?? match[3]!);
  }
  return tokens;
}

const FUNCTIONS: Record<string, (value: Value) => Value> = {
  len: (value) => (Array.isArray(value) ? value.length : fail(`len of ${typeof value}`)),
  isNaN: (value) => (typeof value === 'number' ? Number.isNaN(value) : fail(`isNaN of ${typeof value}`)),
  isInf: (value) => (typeof value === 'number' ? !Number.isFinite(value) && !Number.isNaN(value) : fail(`isInf of ${typeof value}`)),
};

function fail(message: string): never {
  throw new Error(message);
}

/** What makes expr-lang stop at run time (the controller reports the measurement as Error). */
class EvaluationError extends Error {}
function runtimeFail(message: string): never {
  throw new EvaluationError(message);
}

/** true / false as the controller would decide, or throws where expr-lang would error. */
export function evaluateCondition(condition: string, result: number[]): boolean {
  const tokens = tokenize(condition);
  let position = 0;
  const peek = () => tokens[position];
  const take = (expected?: string) => {
    const token = tokens[position++];
    if (token === undefined || (expected !== undefined && token !== expected)) fail(`expected ${expected ?? 'a token'} in: ${condition}`);
    return token;
  };
  const asBool = (value: Value) => (typeof value === 'boolean' ? value : fail(`not a boolean: ${JSON.stringify(value)}`));
  const asNumber = (value: Value) => (typeof value === 'number' ? value : fail(`not a number: ${JSON.stringify(value)}`));

  // Each level takes `skip`: when true the operand is parsed but not evaluated (short-circuit), as expr-lang does.
  const or = (skip: boolean): Value => {
    let value = and(skip);
    while (peek() === '||' || peek() === 'or') {
      take();
      const done = skip || asBool(value);
      const right = and(done);
      if (!done) value = asBool(right);
    }
    return value;
  };
  const and = (skip: boolean): Value => {
    let value = comparison(skip);
    while (peek() === '&&' || peek() === 'and') {
      take();
      const done = skip || !asBool(value);
      const right = comparison(done);
      if (!done) value = asBool(right);
    }
    return value;
  };
  const comparison = (skip: boolean): Value => {
    const left = unary(skip);
    const operator = peek();
    if (!operator || !['==', '!=', '<', '<=', '>', '>='].includes(operator)) return left;
    take();
    const right = unary(skip);
    if (skip) return false;
    if (operator === '==' || operator === '!=') return (left === right) === (operator === '==');
    const [a, b] = [asNumber(left), asNumber(right)];
    return operator === '<' ? a < b : operator === '<=' ? a <= b : operator === '>' ? a > b : a >= b;
  };
  const unary = (skip: boolean): Value => {
    if (peek() === '!' || peek() === 'not') {
      take();
      const value = unary(skip);
      return skip ? false : !asBool(value);
    }
    return postfix(skip);
  };
  const postfix = (skip: boolean): Value => {
    let value = primary(skip);
    while (peek() === '[') {
      take('[');
      const index = asNumber(or(skip));
      take(']');
      if (skip) continue;
      if (!Array.isArray(value)) runtimeFail('index on a non-array');
      if (!Number.isInteger(index) || index < 0 || index >= value.length) runtimeFail(`index out of range: ${index} (len ${value.length})`);
      value = value[index]!;
    }
    return value;
  };
  const primary = (skip: boolean): Value => {
    const token = take();
    if (token === '(') {
      const value = or(skip);
      take(')');
      return value;
    }
    if (/^\d/.test(token)) return Number(token);
    if (token === 'true' || token === 'false') return token === 'true';
    if (token === 'result') return result;
    const fn = FUNCTIONS[token];
    if (!fn) fail(`unknown identifier ${token} in: ${condition}`);
    take('(');
    const argument = or(skip);
    take(')');
    return skip ? 0 : fn(argument);
  };
  const value = or(false);
  if (position !== tokens.length) fail(`unexpected ${tokens[position]} in: ${condition}`);
  return asBool(value);
}

export type Phase = 'Successful' | 'Failed' | 'Inconclusive' | 'Error';

/** The measurement phase for one result, as EvaluateResult decides it from the metric's conditions. */
export function measurementPhase(metric: { successCondition?: string; failureCondition?: string }, result: number[]): Phase {
  const evaluate = (condition: string) => {
    if (result.length === 0 && /\bresult\s*\[/.test(condition)) runtimeFail('empty result indexed');
    return evaluateCondition(condition, result);
  };
  let success: boolean;
  let failure: boolean;
  try {
    success = metric.successCondition ? evaluate(metric.successCondition) : false;
    failure = metric.failureCondition ? evaluate(metric.failureCondition) : false;
  } catch (error) {
    if (error instanceof EvaluationError) return 'Error';
    throw error;
  }
  if (!metric.successCondition && !metric.failureCondition) return 'Successful';
  if (metric.successCondition && !metric.failureCondition) failure = !success;
  if (!metric.successCondition && metric.failureCondition) success = !failure;
  if (failure) return 'Failed';
  return success ? 'Successful' : 'Inconclusive';
}
