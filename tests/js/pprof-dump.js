#!/usr/bin/env node
// Read a gzipped pprof profile with node's zlib and the pprof-format
// package (an independent profile.proto decoder, not kprof-top's writer
// run backwards), check the references the format requires, and print
// what the integration tests compare, as JSON:
//   sample_types [[type, unit]...], default_sample_type, period_type,
//   period, comments, time_nanos, duration_nanos, samples (count),
//   totals {type: sum}, self {type: {function: sum over samples whose
//   leaf it is}}, modules {function: filename}.
// Usage: node pprof-dump.js FILE.pb.gz   (exit 1 with a reason if invalid)
'use strict';
const fs = require('fs');
const zlib = require('zlib');
const { Profile } = require('pprof-format');

function die(msg) {
  process.stderr.write(`pprof-dump: ${msg}\n`);
  process.exit(1);
}

const path = process.argv[2];
if (!path) die('usage: node pprof-dump.js FILE.pb.gz');
const raw = fs.readFileSync(path);
if (raw[0] !== 0x1f || raw[1] !== 0x8b) die(`${path}: not gzip (pprof files are gzipped)`);
let prof;
try {
  prof = Profile.decode(zlib.gunzipSync(raw));
} catch (e) {
  die(`${path}: cannot decode: ${e.message}`);
}

const strs = prof.stringTable.strings;
if (strs.length === 0 || strs[0] !== '') die('string_table[0] is not ""');
const str = (i, what) => {
  const k = Number(i);
  if (!Number.isInteger(k) || k < 0 || k >= strs.length) die(`${what}: string index ${i} out of range`);
  return strs[k];
};

// Ids are unique and nonzero; every reference resolves.
function byId(list, what) {
  const m = new Map();
  for (const x of list) {
    const id = Number(x.id);
    if (!id) die(`${what} with id 0`);
    if (m.has(id)) die(`${what} id ${id} appears twice`);
    m.set(id, x);
  }
  return m;
}
const mappings = byId(prof.mapping, 'mapping');
const functions = byId(prof.function, 'function');
const locations = byId(prof.location, 'location');
for (const m of mappings.values()) str(m.filename, `mapping ${m.id} filename`);
for (const f of functions.values()) {
  str(f.name, `function ${f.id} name`);
  str(f.systemName, `function ${f.id} system_name`);
  str(f.filename, `function ${f.id} filename`);
}
for (const l of locations.values()) {
  if (Number(l.mappingId) && !mappings.has(Number(l.mappingId)))
    die(`location ${l.id}: mapping ${l.mappingId} does not exist`);
  if (!l.line.length) die(`location ${l.id} has no line`);
  for (const ln of l.line)
    if (!functions.has(Number(ln.functionId)))
      die(`location ${l.id}: function ${ln.functionId} does not exist`);
}

const types = prof.sampleType.map((t) => [str(t.type, 'sample_type'), str(t.unit, 'sample_type unit')]);
const totals = {};
const self = {};
const modules = {};
for (const [t] of types) {
  totals[t] = 0;
  self[t] = {};
}
for (const [i, s] of prof.sample.entries()) {
  if (s.value.length !== types.length)
    die(`sample ${i} has ${s.value.length} values for ${types.length} sample types`);
  if (!s.locationId.length) die(`sample ${i} has no location`);
  for (const id of s.locationId)
    if (!locations.has(Number(id))) die(`sample ${i}: location ${id} does not exist`);
  // The leaf is location_id[0]; an inlined frame would be line[0].
  const leafLoc = locations.get(Number(s.locationId[0]));
  const fn = functions.get(Number(leafLoc.line[0].functionId));
  const name = str(fn.name, 'function name');
  modules[name] = str(fn.filename, 'function filename');
  s.value.forEach((v, k) => {
    const n = Number(v);
    if (n < 0) die(`sample ${i}: negative value ${v}`);
    const t = types[k][0];
    totals[t] += n;
    if (n) self[t][name] = (self[t][name] || 0) + n;
  });
}

const out = {
  sample_types: types,
  default_sample_type: str(prof.defaultSampleType, 'default_sample_type'),
  period_type: prof.periodType ? [str(prof.periodType.type, 'period_type'), str(prof.periodType.unit, 'period_type unit')] : null,
  period: Number(prof.period),
  comments: prof.comment.map((c) => str(c, 'comment')),
  time_nanos: Number(prof.timeNanos),
  duration_nanos: Number(prof.durationNanos),
  samples: prof.sample.length,
  functions: functions.size,
  locations: locations.size,
  mappings: mappings.size,
  totals,
  self,
  modules,
};
process.stdout.write(JSON.stringify(out, null, 1) + '\n');
