// The real APIs' contracts, for the fake backends of the tests: a fake accepts only what the upstream definition
// declares. Sources and commits: lab/test/upstream/SOURCES.md.
// - Connect (Pyroscope querier): the request JSON is decoded against the querier messages restated in
//   upstream/pyroscope-querier.ts with the proto3 JSON mapping, strictly: a field the message does not declare is an
//   error. Connect servers themselves discard unknown fields, which is exactly how a misnamed field slips through on a
//   real cluster.
// - HTTP (Prometheus, Tempo, Loki): query parameter names against the documented ones.
import protobuf from 'protobufjs';
import { PYROSCOPE_VERSIONS, type Procedure, type PyroscopeVersion, QUERIER_SERVICE, querierProcedures } from './upstream/pyroscope-querier.ts';

export class ContractError extends Error {}

/** proto3 JSON name: underscores dropped, the next letter upper-cased (protoc's ToJsonName). */
function jsonName(name: string): string {
  return name.replace(/_([a-zA-Z0-9])/g, (_match, letter: string) => letter.toUpperCase());
}

const INTEGER = /^-?\d+$/;
const INT64 = new Set(['int64', 'uint64', 'sint64', 'fixed64', 'sfixed64']);
const INT32 = new Set(['int32', 'uint32', 'sint32', 'fixed32', 'sfixed32']);

function checkScalar(field: protobuf.Field, value: unknown, where: string): unknown {
  const type = field.type;
  const fail = (expected: string) => {
    throw new ContractError(`${where}: ${JSON.stringify(value)} is not ${expected} (${type})`);
  };
  if (field.resolvedType instanceof protobuf.Enum) {
    const values = field.resolvedType.values;
    if (typeof value === 'string' && value in values) return value;
    if (typeof value === 'number' && Object.values(values).includes(value)) return value;
    return fail(`one of ${Object.keys(values).join(', ')}`);
  }
  if (field.resolvedType instanceof protobuf.Type) return checkMessage(field.resolvedType, value, where);
  if (type === 'string') return typeof value === 'string' ? value : fail('a string');
  if (type === 'bool') return typeof value === 'boolean' ? value : fail('a boolean');
  if (type === 'bytes') return typeof value === 'string' && /^[A-Za-z0-9+/_-]*={0,2}$/.test(value) ? value : fail('base64');
  if (type === 'double' || type === 'float') return typeof value === 'number' || ['NaN', 'Infinity', '-Infinity'].includes(value as string) ? value : fail('a number');
  if (INT64.has(type) || INT32.has(type)) {
    // int64 travels as a decimal string (or a number); the proto3 JSON mapping accepts both for every integer type.
    if ((typeof value === 'number' && Number.isInteger(value)) || (typeof value === 'string' && INTEGER.test(value))) return value;
    return fail('an integer');
  }
  return fail('a known scalar');
}

/** The JSON object as protobufjs field names, every key checked against the message; unknown keys throw. */
function checkMessage(type: protobuf.Type, value: unknown, where: string): Record<string, unknown> {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw new ContractError(`${where}: expected a ${type.name} object`);
  const byJsonName = new Map(type.fieldsArray.flatMap((field) => [[field.name, field], [jsonName(field.name), field]] as const));
  const decoded: Record<string, unknown> = {};
  for (const [key, raw] of Object.entries(value)) {
    const field = byJsonName.get(key);
    if (!field) {
      const known = type.fieldsArray.map((candidate) => jsonName(candidate.name)).join(', ');
      throw new ContractError(`${where}: unknown field "${key}" (${type.fullName.slice(1)} has ${known})`);
    }
    if (field.name in decoded) throw new ContractError(`${where}: field ${field.name} given twice`);
    if (raw === null) continue;
    const path = `${where}.${key}`;
    if (field.repeated) {
      if (!Array.isArray(raw)) throw new ContractError(`${path}: expected an array`);
      decoded[field.name] = raw.map((item, index) => checkScalar(field, item, `${path}[${index}]`));
    } else decoded[field.name] = checkScalar(field, raw, path);
  }
  return decoded;
}

/** The procedure a Connect path names, in one version; a procedure the contract does not restate is refused. */
function procedure(version: PyroscopeVersion, path: string): Procedure & { name: string } {
  const match = /^\/([\w.]+)\/(\w+)$/.exec(path);
  if (!match) throw new ContractError(`${path} is not a Connect procedure path (/<package.Service>/<Method>)`);
  const procedures = querierProcedures(version);
  const found = match[1] === QUERIER_SERVICE ? procedures.get(match[2]!) : undefined;
  if (!found) throw new ContractError(`${path}: not a procedure of Pyroscope ${version}'s contract (${QUERIER_SERVICE}/${[...procedures.keys()].join(', ')})`);
  return { ...found, name: match[2]! };
}

/**
 * A Connect unary call's JSON body, decoded as the RPC's request message in every supported Pyroscope version:
 * throws ContractError naming the field and version on the first violation; returns the decoded message.
 */
export function decodePyroscopeRequest(path: string, body: unknown): Record<string, unknown> {
  let decoded: Record<string, unknown> = {};
  for (const version of PYROSCOPE_VERSIONS) {
    const type = procedure(version, path).request;
    const fields = checkMessage(type, body, `Pyroscope ${version} ${type.name}`);
    // Round trip through the binary encoding: what a real server would read.
    const message = type.decode(type.encode(type.fromObject(fields)).finish());
    decoded = type.toObject(message, { longs: String, enums: String, defaults: false });
  }
  return decoded;
}

/** The fake's own answer must be the RPC's response message too, so the client is tested on the real shape. */
export function checkPyroscopeResponse(path: string, body: unknown): void {
  for (const version of PYROSCOPE_VERSIONS) {
    const rpc = procedure(version, path);
    // A fake answering a procedure whose response is not restated is a test bug, not a client's contract violation.
    if (!rpc.response) throw new Error(`${path}: the response of ${rpc.name} is not restated in upstream/pyroscope-querier.ts`);
    checkMessage(rpc.response, body, `Pyroscope ${version} ${rpc.response.name}`);
  }
}

/** Documented query parameters per API and endpoint (SOURCES.md); `:id` matches one path segment. */
const HTTP_PARAMETERS = {
  // prometheus/prometheus docs/querying/api.md
  Prometheus: {
    '/api/v1/query': ['query', 'time', 'timeout', 'limit', 'lookback_delta', 'stats'],
    '/api/v1/query_range': ['query', 'start', 'end', 'step', 'timeout', 'limit', 'lookback_delta', 'stats'],
    '/api/v1/query_exemplars': ['query', 'start', 'end'],
  },
  // grafana/tempo docs/sources/tempo/api_docs/_index.md
  Tempo: { '/api/traces/:id': ['start', 'end'] },
  // grafana/loki docs/sources/reference/loki-http-api.md
  Loki: { '/loki/api/v1/query_range': ['query', 'limit', 'start', 'end', 'since', 'step', 'interval', 'direction'] },
} satisfies Record<string, Record<string, string[]>>;

/** Throws ContractError for an endpoint the API does not have or a parameter it does not document. */
export function checkHttpQuery(api: keyof typeof HTTP_PARAMETERS, path: string, query: URLSearchParams): void {
  const endpoints: Record<string, string[]> = HTTP_PARAMETERS[api];
  const endpoint = Object.keys(endpoints).find((pattern) => new RegExp(`^${pattern.replace(':id', '[^/]+')}$`).test(path));
  if (!endpoint) throw new ContractError(`${api} has no endpoint ${path}`);
  const allowed = endpoints[endpoint]!;
  for (const name of new Set(query.keys())) {
    if (!allowed.includes(name)) throw new ContractError(`${api} ${endpoint}: unknown query parameter "${name}" (documented: ${allowed.join(', ')})`);
    if (query.getAll(name).length > 1) throw new ContractError(`${api} ${endpoint}: parameter "${name}" given more than once`);
  }
}
