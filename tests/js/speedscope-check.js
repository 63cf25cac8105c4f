#!/usr/bin/env node
// Validate a speedscope file against speedscope's own JSON schema (as
// shipped in the speedscope npm package, dist/release/file-format-schema.json)
// with ajv, then check what the schema cannot say: frame indexes in range,
// one weight per sample, endValue - startValue the sum of the weights, the
// active profile index valid.  Prints, as JSON: exporter, name, active
// (profile index), frames (their count), files {frame name: file}, profiles
// [{name, unit, samples, total, self {frame: weight of the samples it is
// the leaf of}}].
// Usage: node speedscope-check.js FILE.json   (exit 1 with a reason if invalid)
'use strict';
const fs = require('fs');
const path = require('path');
const Ajv = require('ajv');

function die(msg) {
  process.stderr.write(`speedscope-check: ${msg}\n`);
  process.exit(1);
}

const file = process.argv[2];
if (!file) die('usage: node speedscope-check.js FILE.json');
const schemaPath = path.join(path.dirname(require.resolve('speedscope/package.json')),
  'dist', 'release', 'file-format-schema.json');
const schema = JSON.parse(fs.readFileSync(schemaPath, 'utf8'));
let doc;
try {
  doc = JSON.parse(fs.readFileSync(file, 'utf8'));
} catch (e) {
  die(`${file}: not JSON: ${e.message}`);
}

const ajv = new Ajv({ allErrors: true, strict: false });
const validate = ajv.compile(schema);
if (!validate(doc))
  die(`${file}: does not match speedscope's schema: ${ajv.errorsText(validate.errors, { separator: '; ' })}`);

const frames = doc.shared.frames;
if (doc.activeProfileIndex !== undefined &&
    (doc.activeProfileIndex < 0 || doc.activeProfileIndex >= doc.profiles.length))
  die(`activeProfileIndex ${doc.activeProfileIndex} with ${doc.profiles.length} profiles`);
const profiles = doc.profiles.map((p, pi) => {
  if (p.type !== 'sampled') die(`profile ${pi} is ${p.type}, expected sampled`);
  if (p.samples.length !== p.weights.length)
    die(`profile ${pi} (${p.name}): ${p.samples.length} samples, ${p.weights.length} weights`);
  let total = 0;
  const self = {};
  p.samples.forEach((stack, si) => {
    if (!stack.length) die(`profile ${pi} sample ${si} has no frame`);
    for (const f of stack)
      if (!Number.isInteger(f) || f < 0 || f >= frames.length)
        die(`profile ${pi} sample ${si}: frame ${f} out of range (${frames.length} frames)`);
    const w = p.weights[si];
    if (w < 0) die(`profile ${pi} sample ${si}: negative weight ${w}`);
    total += w;
    // Samples are root first: the leaf is the last frame.
    const leaf = frames[stack[stack.length - 1]].name;
    self[leaf] = (self[leaf] || 0) + w;
  });
  if (p.endValue - p.startValue !== total)
    die(`profile ${pi} (${p.name}): endValue - startValue = ${p.endValue - p.startValue}, weights sum to ${total}`);
  return { name: p.name, unit: p.unit, samples: p.samples.length, total, self };
});
const files = {};
for (const f of frames) if (f.file !== undefined) files[f.name] = f.file;
process.stdout.write(JSON.stringify({
  exporter: doc.exporter, name: doc.name, active: doc.activeProfileIndex,
  frames: frames.length, files, profiles,
}, null, 1) + '\n');
