// A structural reader for declarative Jenkinsfiles: no Groovy parser runs offline from npm, so this tokenizes what
// the declarative syntax is made of (identifiers, strings, comments, parentheses, braces) and builds the tree of
// `name(args) { block }` calls. It does not evaluate Groovy: a `script { }` block or an expression is kept as text.
// What it rejects: an unterminated string or comment, unbalanced brackets, anything outside the single `pipeline`.

export interface Call {
  name: string;
  /** The raw text between the parentheses (or after the name, for `label 'x'` style calls), if any. */
  args: string;
  /** String literals among the arguments, unquoted, in order. */
  strings: string[];
  block?: Call[];
  line: number;
}

type Token = { kind: 'word' | 'string' | 'open' | 'close' | 'lparen' | 'rparen' | 'newline' | 'other'; text: string; value?: string; line: number };

// Groovy processes backslash escapes in single-quoted strings too; what matters here is `\\` and `\n`.
const unescapeGroovy = (body: string): string => body.replace(/\\(.)/g, (_, char: string) => (char === 'n' ? '\n' : char));

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let line = 1;
  let index = 0;
  const error = (message: string): never => {
    throw new Error(`Jenkinsfile:${line}: ${message}`);
  };
  while (index < text.length) {
    const char = text[index]!;
    const rest = text.slice(index);
    if (char === '\n') {
      tokens.push({ kind: 'newline', text: char, line });
      line++;
      index++;
    } else if (/\s/.test(char)) index++;
    else if (rest.startsWith('//')) index = text.indexOf('\n', index) < 0 ? text.length : text.indexOf('\n', index);
    else if (rest.startsWith('/*')) {
      const end = text.indexOf('*/', index + 2);
      if (end < 0) error('unterminated /* comment');
      line += text.slice(index, end).split('\n').length - 1;
      index = end + 2;
    } else if (char === "'" || char === '"') {
      const quote = rest.startsWith(char.repeat(3)) ? char.repeat(3) : char;
      let end = index + quote.length;
      for (;;) {
        if (end >= text.length) error(`unterminated ${quote} string`);
        if (text[end] === '\\') end += 2;
        else if (text.startsWith(quote, end)) break;
        else if (quote.length === 1 && text[end] === '\n') error('newline in a single-line string');
        else end++;
      }
      const body = text.slice(index + quote.length, end);
      tokens.push({ kind: 'string', text: text.slice(index, end + quote.length), value: unescapeGroovy(body), line });
      line += body.split('\n').length - 1;
      index = end + quote.length;
    } else if (char === '{' || char === '}') {
      tokens.push({ kind: char === '{' ? 'open' : 'close', text: char, line });
      index++;
    } else if (char === '(' || char === ')') {
      tokens.push({ kind: char === '(' ? 'lparen' : 'rparen', text: char, line });
      index++;
    } else if (/[A-Za-z_$]/.test(char)) {
      const word = /^[A-Za-z_$][\w$.]*/.exec(rest)![0];
      tokens.push({ kind: 'word', text: word, line });
      index += word.length;
    } else {
      tokens.push({ kind: 'other', text: char, line });
      index++;
    }
  }
  return tokens;
}

/** The tokens from the opening bracket at `start` through its matching close; `unclosed` is the error when none. */
function bracketed(tokens: Token[], start: number, open: Token['kind'], close: Token['kind'], unclosed: string): Token[] {
  const taken: Token[] = [];
  let depth = 0;
  do {
    const current = tokens[start + taken.length];
    if (!current) throw new Error(unclosed);
    if (current.kind === open) depth++;
    if (current.kind === close) depth--;
    taken.push(current);
  } while (depth > 0);
  return taken;
}

/** The calls of a block: `name`, `name(args)`, `name 'a', 'b'`, each optionally followed by `{ ... }`. */
function parseBlock(tokens: Token[], start: number, nested: boolean): { calls: Call[]; end: number } {
  const calls: Call[] = [];
  let index = start;
  const skipNewlines = () => {
    while (tokens[index]?.kind === 'newline') index++;
  };
  for (;;) {
    skipNewlines();
    const token = tokens[index];
    if (!token) {
      if (nested) throw new Error('Jenkinsfile: a { block is not closed');
      return { calls, end: index };
    }
    if (token.kind === 'close') {
      if (!nested) throw new Error(`Jenkinsfile:${token.line}: } without a matching {`);
      return { calls, end: index + 1 };
    }
    if (token.kind !== 'word') throw new Error(`Jenkinsfile:${token.line}: expected a name, found ${token.text}`);
    index++;
    let argTokens: Token[] = [];
    if (tokens[index]?.kind === 'lparen') {
      argTokens = bracketed(tokens, index, 'lparen', 'rparen', `Jenkinsfile:${token.line}: ( is not closed`);
      index += argTokens.length;
    } else {
      // Command-style arguments up to the end of the line or a block: `name 'SERVICE'`, `values 'a', 'b'`.
      while (tokens[index] && !['newline', 'open', 'close'].includes(tokens[index]!.kind)) {
        if (tokens[index]!.kind === 'lparen') throw new Error(`Jenkinsfile:${tokens[index]!.line}: unexpected (`);
        argTokens.push(tokens[index]!);
        index++;
      }
    }
    // Brackets inside the arguments (a closure or a list literal) must balance too.
    let braces = 0;
    for (const current of argTokens) {
      if (current.kind === 'open') braces++;
      if (current.kind === 'close') braces--;
      if (braces < 0) throw new Error(`Jenkinsfile:${current.line}: } without a matching {`);
    }
    if (braces !== 0) throw new Error(`Jenkinsfile:${token.line}: unbalanced braces in the arguments of ${token.text}`);
    const call: Call = {
      name: token.text,
      args: argTokens.map((current) => current.text).join(' ').replace(/^\( | \)$/g, ''),
      strings: argTokens.filter((current) => current.kind === 'string').map((current) => current.value!),
      line: token.line,
    };
    if (tokens[index]?.kind === 'open') {
      // `script { }` and `expression { }` hold Groovy code, not declarative calls: keep their text.
      if (call.name === 'script' || call.name === 'expression') {
        const body = bracketed(tokens, index, 'open', 'close', `Jenkinsfile:${token.line}: ${call.name} { is not closed`);
        index += body.length;
        call.args = body.map((current) => current.text).join(' ');
        call.block = [];
      } else {
        const inner = parseBlock(tokens, index + 1, true);
        call.block = inner.calls;
        index = inner.end;
      }
    }
    calls.push(call);
  }
}

export function parseJenkinsfile(text: string): Call[] {
  return parseBlock(tokenize(text), 0, false).calls;
}

export const find = (calls: Call[] | undefined, name: string): Call[] => (calls ?? []).filter((call) => call.name === name);

/** Every call below `calls`, depth first, with the names of the stages it sits in. */
export function walk(calls: Call[], stages: string[] = [], into: { call: Call; stages: string[] }[] = []): { call: Call; stages: string[] }[] {
  for (const call of calls) {
    into.push({ call, stages });
    if (call.block) walk(call.block, call.name === 'stage' ? [...stages, call.strings[0] ?? '?'] : stages, into);
  }
  return into;
}

// The declarative pipeline's grammar as documented (jenkins.io/doc/book/pipeline/syntax): sections and directives
// allowed in `pipeline` and in a `stage`, and what a stage must hold.
const PIPELINE_KEYS = new Set(['agent', 'environment', 'options', 'parameters', 'triggers', 'tools', 'libraries', 'stages', 'post']);
const STAGE_KEYS = new Set(['agent', 'environment', 'options', 'when', 'input', 'tools', 'post', 'failFast', 'steps', 'stages', 'parallel', 'matrix']);
const STAGE_BODIES = ['steps', 'stages', 'parallel', 'matrix'];
const MATRIX_KEYS = new Set(['axes', 'excludes', 'stages', 'agent', 'environment', 'options', 'when', 'input', 'tools', 'post']);

/** What breaks the declarative structure: one line per problem. */
export function declarativeProblems(calls: Call[]): string[] {
  const problems: string[] = [];
  if (calls.length !== 1 || calls[0]!.name !== 'pipeline' || !calls[0]!.block) return ['the file must hold exactly one pipeline { } block'];
  const pipeline = calls[0]!.block!;
  for (const call of pipeline) if (!PIPELINE_KEYS.has(call.name)) problems.push(`line ${call.line}: ${call.name} is not a pipeline section`);
  for (const required of ['agent', 'stages']) if (find(pipeline, required).length !== 1) problems.push(`pipeline needs exactly one ${required}`);
  const checkStages = (container: Call, where: string) => {
    const stages = container.block ?? [];
    if (stages.length === 0) problems.push(`${where}: stages { } is empty`);
    const names = new Set<string>();
    for (const stage of stages) {
      if (stage.name !== 'stage') {
        problems.push(`line ${stage.line}: ${stage.name} inside stages (only stage('name') { })`);
        continue;
      }
      const name = stage.strings[0];
      if (!name || stage.strings.length !== 1) problems.push(`line ${stage.line}: a stage needs one string name`);
      if (name && names.has(name)) problems.push(`line ${stage.line}: stage '${name}' twice in ${where}`);
      if (name) names.add(name);
      const body = stage.block ?? [];
      for (const call of body) if (!STAGE_KEYS.has(call.name)) problems.push(`line ${call.line}: ${call.name} is not a stage directive`);
      const bodies = body.filter((call) => STAGE_BODIES.includes(call.name));
      if (bodies.length !== 1) problems.push(`stage '${name}': needs exactly one of ${STAGE_BODIES.join(', ')}`);
      for (const inner of find(body, 'stages')) checkStages(inner, `stage '${name}'`);
      for (const matrix of find(body, 'matrix')) {
        for (const call of matrix.block ?? []) if (!MATRIX_KEYS.has(call.name)) problems.push(`line ${call.line}: ${call.name} is not a matrix directive`);
        const axes = find(find(matrix.block, 'axes')[0]?.block, 'axis');
        if (axes.length === 0) problems.push(`stage '${name}': matrix without an axis`);
        for (const axis of axes) {
          if (find(axis.block, 'name')[0]?.strings.length !== 1 || (find(axis.block, 'values')[0]?.strings.length ?? 0) === 0) problems.push(`line ${axis.line}: an axis needs name 'X' and values`);
        }
        const inner = find(matrix.block, 'stages');
        if (inner.length !== 1) problems.push(`stage '${name}': matrix needs one stages { }`);
        else checkStages(inner[0]!, `matrix of '${name}'`);
      }
      for (const when of find(body, 'when')) if ((when.block ?? []).length === 0) problems.push(`line ${when.line}: empty when { }`);
    }
  };
  const stages = find(pipeline, 'stages')[0];
  if (stages) checkStages(stages, 'pipeline');
  return problems;
}
