// Summarises a V8 .cpuprofile (node --cpu-prof) in microseconds per request: self time by area and by function, and
// inclusive time of the functions of @lab/telemetry (see @lab/dev-kit/cpu-profile for what an area is).
//   node packages/telemetry/benchmarks/profile-summary.ts <file.cpuprofile> <requests> [top=25]
import { readSelfTime } from '@lab/dev-kit/cpu-profile';

const [file, requestsArg, topArg] = process.argv.slice(2);
const requests = Number(requestsArg);
const top = Number(topArg ?? 25);
if (!file || !(requests > 0) || !(top > 0)) throw new Error('usage: profile-summary.ts <file.cpuprofile> <requests> [top]');
const profile = readSelfTime(file);

const perRequest = (micros: number) => (micros / requests).toFixed(2).padStart(7);
function print(title: string, map: Map<string, number>): void {
  console.log(`\n${title}`);
  for (const [key, micros] of [...map].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${perRequest(micros)}  ${key}`);
}
console.log(`busy CPU: ${perRequest(profile.busyMicros)} µs per request (${requests} requests)`);
print('self time by area (µs/request; node internals count for their nearest caller)', profile.byArea);
print('self time by function (µs/request)', profile.byFunction);
print('inclusive time of @lab/telemetry functions (µs/request)', profile.telemetryInclusive);
