'use strict';
// CloudFormation YAML: js-yaml's default schema plus the short-form
// intrinsic tags, each turned into its long form ({ "Fn::Sub": ... }) so the
// rest of the validator sees one representation.

const fs = require('node:fs');
const yaml = require('js-yaml');

// Tag name -> long-form key. !GetAtt is special-cased below.
const TAGS = {
  Ref: 'Ref',
  Condition: 'Condition',
  Sub: 'Fn::Sub',
  GetAtt: 'Fn::GetAtt',
  Join: 'Fn::Join',
  Select: 'Fn::Select',
  Split: 'Fn::Split',
  GetAZs: 'Fn::GetAZs',
  If: 'Fn::If',
  Equals: 'Fn::Equals',
  Not: 'Fn::Not',
  And: 'Fn::And',
  Or: 'Fn::Or',
  FindInMap: 'Fn::FindInMap',
  ImportValue: 'Fn::ImportValue',
  Base64: 'Fn::Base64',
  Cidr: 'Fn::Cidr',
  Transform: 'Fn::Transform',
  ToJsonString: 'Fn::ToJsonString',
  Length: 'Fn::Length',
  // Rules-only functions.
  Contains: 'Fn::Contains',
  EachMemberEquals: 'Fn::EachMemberEquals',
  EachMemberIn: 'Fn::EachMemberIn',
  ValueOf: 'Fn::ValueOf',
  ValueOfAll: 'Fn::ValueOfAll',
  RefAll: 'Fn::RefAll',
};

function construct(name, key, data) {
  // !GetAtt Res.Attr.Sub -> ["Res", "Attr.Sub"]: the logical id never has a dot.
  if (name === 'GetAtt' && typeof data === 'string') {
    const dot = data.indexOf('.');
    return { [key]: dot < 0 ? [data] : [data.slice(0, dot), data.slice(dot + 1)] };
  }
  // !GetAZs with no argument means the current region.
  if (name === 'GetAZs' && data === null) return { [key]: '' };
  return { [key]: data };
}

const types = [];
for (const [name, key] of Object.entries(TAGS)) {
  for (const kind of ['scalar', 'sequence', 'mapping']) {
    types.push(new yaml.Type(`!${name}`, {
      kind,
      construct: (data) => construct(name, key, data),
    }));
  }
}

const CFN_SCHEMA = yaml.DEFAULT_SCHEMA.extend(types);

// loadTemplate(file) -> { doc, text, size } or throws with the YAML error.
function loadTemplate(file) {
  const text = fs.readFileSync(file, 'utf8');
  const doc = yaml.load(text, { schema: CFN_SCHEMA, filename: file });
  return { doc, text, size: Buffer.byteLength(text) };
}

module.exports = { CFN_SCHEMA, loadTemplate };
