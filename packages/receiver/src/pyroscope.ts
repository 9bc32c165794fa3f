// A Pyroscope ingest endpoint (POST /ingest) that decodes what clients really send — raw or multipart pprof,
// gzipped or not — into plain objects: the lab's local profile backend and the tests' witness. It can also play an
// outage (answer 500, or never answer) so clients' failure handling can be tested against real HTTP.
import { mkdir, writeFile } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { Profile } from 'pprof-format';
import { answer, LoopbackServer, type ReceiverBehavior, readBody } from './loopback-server.ts';

export interface PyroscopeSample {
  /** One value per sample type, in the order of `sampleTypes`. */
  values: number[];
  labels: Record<string, string>;
  /** Function names, leaf first. */
  stack: string[];
}

export interface DecodedPprof {
  sampleTypes: Array<{ type: string; unit: string }>;
  periodType: { type: string; unit: string } | undefined;
  /** Nanoseconds between samples, for a wall profile. */
  period: number;
  durationNanos: number;
  /** The profile type ids Pyroscope stores these samples under, one per sample type. */
  profileTypeIds: string[];
  samples: PyroscopeSample[];
}

export interface ReceivedProfile extends DecodedPprof {
  /** The application name of the series key `app{tag=value,...}`; Pyroscope's `service_name`. */
  appName: string;
  tags: Record<string, string>;
  /** Unix seconds, from the query string. */
  from: number;
  until: number;
  spyName: string | undefined;
  sampleRate: number | undefined;
  /** The `X-Scope-OrgID` header (Pyroscope's tenant). */
  tenantId: string | undefined;
  authorization: string | undefined;
  receivedAt: number;
}

/** `ok` stores and answers 200; `error` answers 500 without storing; `slow` stores and answers 200 after
 * `slowResponseMs`; `hang` never answers. */
export type IngestBehavior = ReceiverBehavior;

export interface PyroscopeReceiverOptions {
  port?: number;
  host?: string;
  /** Writes each received profile there as `<n>-<app>.pb.gz`, readable by `go tool pprof`. */
  rawDir?: string;
  /** Delay of the `slow` behavior; default 10 000 ms. */
  slowResponseMs?: number;
  /** Profiles kept in memory (oldest dropped first); default 1000. */
  maxProfiles?: number;
  /** Largest accepted request body; default 32 MiB (Pyroscope's own default). */
  maxBodyBytes?: number;
}

const DEFAULT_MAX_PROFILES = 1000;
const DEFAULT_MAX_BODY_BYTES = 32 << 20;

export class PyroscopeReceiver extends LoopbackServer<{ profile: [ReceivedProfile] }> {
  readonly #options: PyroscopeReceiverOptions;
  readonly #profiles: ReceivedProfile[] = [];
  #received = 0;
  /** Ingest requests seen, whatever the answer. */
  requests = 0;

  private constructor(options: PyroscopeReceiverOptions) {
    super(500);
    this.#options = options;
  }

  static async start(options: PyroscopeReceiverOptions = {}): Promise<PyroscopeReceiver> {
    const receiver = new PyroscopeReceiver(options);
    if (options.rawDir !== undefined) await mkdir(options.rawDir, { recursive: true });
    await receiver.listen(options.port, options.host);
    return receiver;
  }

  profiles(): ReceivedProfile[] {
    return [...this.#profiles];
  }

  /** Resolves with the first profile, already received or to come, that matches; rejects after `timeoutMs`. */
  waitFor(predicate: (profile: ReceivedProfile) => boolean, timeoutMs: number): Promise<ReceivedProfile> {
    const found = this.#profiles.find(predicate);
    if (found !== undefined) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const listener = (profile: ReceivedProfile) => {
        if (!predicate(profile)) return;
        clearTimeout(timer);
        this.off('profile', listener);
        resolve(profile);
      };
      const timer = setTimeout(() => {
        this.off('profile', listener);
        reject(new Error(`no matching profile within ${timeoutMs} ms (${this.#profiles.length} received)`));
      }, timeoutMs);
      this.on('profile', listener);
    });
  }

  protected async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? '/', 'http://receiver');
    if (request.method === 'GET' && url.pathname === '/ready') return answer(response, 200, 'ready');
    if (url.pathname !== '/ingest') return answer(response, 404, 'not found');
    if (request.method !== 'POST') return answer(response, 405, 'POST only');
    this.requests++;
    const behavior = this.behavior;
    if (behavior === 'hang') return;
    const body = await readBody(request, this.#options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES);
    if (body === undefined) return answer(response, 413, 'body too large');
    if (behavior === 'error') return answer(response, 500, 'ingest failing on purpose');
    let pprof: Uint8Array;
    let profile: ReceivedProfile;
    try {
      pprof = await extractPprof(body, request.headers);
      profile = decodeIngest(url.searchParams, request.headers, pprof);
    } catch (error) {
      return answer(response, 400, describe(error));
    }
    await this.#store(profile, pprof);
    if (behavior !== 'slow') return answer(response, 200, '');
    this.later(this.#options.slowResponseMs ?? 10_000, () => answer(response, 200, ''));
  }

  async #store(profile: ReceivedProfile, pprof: Uint8Array): Promise<void> {
    this.#received++;
    if (this.#options.rawDir !== undefined) {
      const file = `${this.#received}-${profile.appName.replace(/[^\w.-]/g, '_')}.pb.gz`;
      await writeFile(join(this.#options.rawDir, file), gzipSync(pprof));
    }
    this.#profiles.push(profile);
    if (this.#profiles.length > (this.#options.maxProfiles ?? DEFAULT_MAX_PROFILES)) this.#profiles.shift();
    this.emit('profile', profile);
  }
}

/** Parses Pyroscope's series key `app{k=v,...}`. */
export function parseApplicationName(name: string): { appName: string; tags: Record<string, string> } {
  const brace = name.indexOf('{');
  if (brace === -1) return { appName: name, tags: {} };
  if (!name.endsWith('}')) throw new Error(`name ${JSON.stringify(name)} has no closing brace`);
  const tags: Record<string, string> = {};
  for (const pair of name.slice(brace + 1, -1).split(',')) {
    if (pair === '') continue;
    const equals = pair.indexOf('=');
    if (equals <= 0) throw new Error(`tag ${JSON.stringify(pair)} in name is not key=value`);
    tags[pair.slice(0, equals).trim()] = pair.slice(equals + 1).trim();
  }
  return { appName: name.slice(0, brace), tags };
}

/**
 * Pyroscope's profile type id, `name:sampleType:sampleUnit:periodType:periodUnit`, where the name comes from the
 * sample types the way its /ingest handler derives it (a `wall` sample type makes the whole profile `wall`).
 */
export function profileTypeIds(
  sampleTypes: ReceivedProfile['sampleTypes'],
  periodType: ReceivedProfile['periodType'],
): string[] {
  const name = profileName(sampleTypes.map((sampleType) => sampleType.type));
  const period = `${periodType?.type ?? ''}:${periodType?.unit ?? ''}`;
  return sampleTypes.map((sampleType) => `${name}:${sampleType.type}:${sampleType.unit}:${period}`);
}

function profileName(types: string[]): string {
  if (types.includes('wall')) return 'wall';
  for (const type of types) {
    if (type.includes('cpu')) return 'process_cpu';
    if (/alloc_|inuse_/.test(type) || type === 'space' || type === 'objects') return 'memory';
    if (type.includes('mutex_')) return 'mutex';
    if (type.includes('block_')) return 'block';
    if (type.includes('goroutines')) return 'goroutines';
  }
  return types.at(-1) ?? '';
}

function decodeIngest(query: URLSearchParams, headers: IncomingMessage['headers'], pprof: Uint8Array): ReceivedProfile {
  const name = query.get('name');
  if (name === null || name === '') throw new Error('query parameter "name" is missing');
  const format = query.get('format');
  if (format !== null && format !== 'pprof') throw new Error(`format ${JSON.stringify(format)} is not supported`);
  return {
    ...parseApplicationName(name),
    from: Number(query.get('from') ?? Number.NaN),
    until: Number(query.get('until') ?? Number.NaN),
    spyName: query.get('spyName') ?? undefined,
    sampleRate: query.has('sampleRate') ? Number(query.get('sampleRate')) : undefined,
    tenantId: headerValue(headers['x-scope-orgid']),
    authorization: headerValue(headers.authorization),
    ...decodePprof(pprof),
    receivedAt: Date.now(),
  };
}

/** An uncompressed pprof profile (profile.proto) as plain values: names instead of string-table indexes. */
export function decodePprof(pprof: Uint8Array): DecodedPprof {
  const profile = Profile.decode(pprof);
  const strings = profile.stringTable.strings;
  const text = (index: number | bigint) => strings[Number(index)] ?? '';
  const valueType = (vt: { type: number | bigint; unit: number | bigint }) => ({ type: text(vt.type), unit: text(vt.unit) });
  const functionNames = new Map(profile.function.map((fn) => [Number(fn.id), text(fn.name)]));
  const stacks = new Map(
    profile.location.map((location) => [
      Number(location.id),
      location.line.map((line) => functionNames.get(Number(line.functionId)) ?? '?'),
    ]),
  );
  const sampleTypes = profile.sampleType.map(valueType);
  const periodType = profile.periodType ? valueType(profile.periodType) : undefined;
  return {
    sampleTypes,
    periodType,
    period: Number(profile.period),
    durationNanos: Number(profile.durationNanos),
    profileTypeIds: profileTypeIds(sampleTypes, periodType),
    samples: profile.sample.map((sample) => ({
      values: sample.value.map(Number),
      labels: Object.fromEntries(sample.label.map((label) => [text(label.key), text(label.str)])),
      stack: sample.locationId.flatMap((id) => stacks.get(Number(id)) ?? ['?']),
    })),
  };
}

/** The pprof bytes of an ingest body: a multipart form's `profile` part or the raw body, gunzipped as needed. */
async function extractPprof(body: Buffer, headers: IncomingMessage['headers']): Promise<Uint8Array> {
  const decoded = headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body;
  const contentType = headers['content-type'] ?? '';
  let pprof: Uint8Array = decoded;
  if (contentType.startsWith('multipart/form-data')) {
    const form = await new Response(decoded, { headers: { 'content-type': contentType } }).formData();
    const part = form.get('profile');
    if (!(part instanceof Blob)) throw new Error('multipart body has no "profile" part');
    pprof = new Uint8Array(await part.arrayBuffer());
  }
  return isGzip(pprof) ? gunzipSync(pprof) : pprof;
}

function isGzip(bytes: Uint8Array): boolean {
  return bytes[0] === 0x1f && bytes[1] === 0x8b;
}

function headerValue(value: string | string[] | undefined): string | undefined {
  return Array.isArray(value) ? value[0] : value;
}

function describe(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}
