// The Pyroscope querier API (Connect, package querier.v1) as far as the lab calls it, restated from grafana/pyroscope
// api/querier/v1/querier.proto and api/types/v1/types.proto at v1.21.1 (d6cb8c3db58edf6c0ea26daa1dd40d84f11a4ef0) and
// v2.2.1 (df3c0391b7dfc9c9577a55be4ebfcf2f0ac65d71): the procedures below and every message and enum their requests
// reach, each with all its upstream fields (names, numbers, types, labels). Responses are restated only where the fake
// answers one. See SOURCES.md for how to refresh it.
import protobuf from 'protobufjs';

/** Field number, type and label, as the .proto declares them (`optional` is proto3's explicit presence). */
type Field = [id: number, type: string, label?: 'repeated' | 'optional'];

function message(fields: Record<string, Field>): protobuf.IType {
  const optional = Object.entries(fields).filter(([, [, , label]]) => label === 'optional');
  return {
    // protobufjs models a proto3 optional field as a synthetic oneof named `_<field>`, as protoc does.
    ...(optional.length > 0 ? { oneofs: Object.fromEntries(optional.map(([name]) => [`_${name}`, { oneof: [name] }])) } : {}),
    fields: Object.fromEntries(
      Object.entries(fields).map(([name, [id, type, label]]) => [
        name,
        { id, type, ...(label === 'repeated' ? { rule: 'repeated' } : {}), ...(label === 'optional' ? { options: { proto3_optional: true } } : {}) },
      ]),
    ),
  };
}

const enumOf = (names: string[]): protobuf.IEnum => ({ values: Object.fromEntries(names.map((name, index) => [name, index])) });

const PROFILE_FORMATS = ['PROFILE_FORMAT_UNSPECIFIED', 'PROFILE_FORMAT_FLAMEGRAPH', 'PROFILE_FORMAT_TREE', 'PROFILE_FORMAT_DOT'];

const STACKTRACES_REQUEST: Record<string, Field> = {
  profile_typeID: [1, 'string'],
  label_selector: [2, 'string'],
  start: [3, 'int64'],
  end: [4, 'int64'],
  max_nodes: [5, 'int64', 'optional'],
  format: [6, 'ProfileFormat'],
  stack_trace_selector: [7, 'types.v1.StackTraceSelector', 'optional'],
  profile_id_selector: [8, 'string', 'repeated'],
};

/** querier.v1 in both versions, then what 2.x added (2.2.0: span and trace id selectors, async queries, pprof format). */
const V1_21: Record<string, protobuf.IType | protobuf.IEnum> = {
  SelectMergeStacktracesRequest: message(STACKTRACES_REQUEST),
  ProfileFormat: enumOf(PROFILE_FORMATS),
  SelectMergeSpanProfileRequest: message({
    profile_typeID: [1, 'string'],
    label_selector: [2, 'string'],
    span_selector: [3, 'string', 'repeated'],
    start: [4, 'int64'],
    end: [5, 'int64'],
    max_nodes: [6, 'int64', 'optional'],
    format: [7, 'ProfileFormat'],
  }),
  SelectMergeSpanProfileResponse: message({ flamegraph: [1, 'FlameGraph'], tree: [2, 'bytes'] }),
  FlameGraph: message({ names: [1, 'string', 'repeated'], levels: [2, 'Level', 'repeated'], total: [3, 'int64'], max_self: [4, 'int64'] }),
  Level: message({ values: [1, 'int64', 'repeated'] }),
};

const V2_2: typeof V1_21 = {
  ...V1_21,
  SelectMergeStacktracesRequest: message({
    ...STACKTRACES_REQUEST,
    async: [9, 'AsyncQueryRequest', 'optional'],
    trace_id_selector: [10, 'string', 'repeated'],
    span_selector: [11, 'string', 'repeated'],
  }),
  ProfileFormat: enumOf([...PROFILE_FORMATS, 'PROFILE_FORMAT_PPROF']),
  AsyncQueryRequest: message({ request_id: [1, 'string'], type: [2, 'AsyncQueryType'] }),
  AsyncQueryType: enumOf(['ASYNC_QUERY_TYPE_DISABLED', 'ASYNC_QUERY_TYPE_FORCE']),
};

/** types.v1, unchanged between the two versions for these messages. */
const TYPES: typeof V1_21 = {
  StackTraceSelector: message({ call_site: [1, 'Location', 'repeated'], go_pgo: [2, 'GoPGO'] }),
  Location: message({ name: [1, 'string'] }),
  GoPGO: message({ keep_locations: [1, 'uint32'], aggregate_callees: [2, 'bool'] }),
};

/** rpc <name>(<request>) returns (<response>) in service querier.v1.QuerierService. */
const PROCEDURES: Record<string, { request: string; response?: string }> = {
  SelectMergeStacktraces: { request: 'SelectMergeStacktracesRequest' },
  SelectMergeSpanProfile: { request: 'SelectMergeSpanProfileRequest', response: 'SelectMergeSpanProfileResponse' },
};

export const QUERIER_SERVICE = 'querier.v1.QuerierService';

/** Every Pyroscope version the client must work with; a request must be valid in all of them. */
export const PYROSCOPE_VERSIONS = ['v1.21.1', 'v2.2.1'] as const;
export type PyroscopeVersion = (typeof PYROSCOPE_VERSIONS)[number];

export interface Procedure {
  request: protobuf.Type;
  response?: protobuf.Type;
}

const built = new Map<PyroscopeVersion, Map<string, Procedure>>();

/** The restated procedures of one version by method name, their message types resolved. */
export function querierProcedures(version: PyroscopeVersion): Map<string, Procedure> {
  const cached = built.get(version);
  if (cached) return cached;
  const root = protobuf.Root.fromJSON({ nested: { querier: { nested: { v1: { nested: version === 'v1.21.1' ? V1_21 : V2_2 } } }, types: { nested: { v1: { nested: TYPES } } } } });
  root.resolveAll();
  const type = (name: string) => root.lookupType(`querier.v1.${name}`);
  const procedures = new Map(Object.entries(PROCEDURES).map(([name, rpc]) => [name, { request: type(rpc.request), ...(rpc.response ? { response: type(rpc.response) } : {}) }]));
  built.set(version, procedures);
  return procedures;
}
