'use strict';
// Checks of one template on its own: sections, parameters, resource types
// and properties against the resource specification, required properties,
// and that every Ref, Fn::GetAtt, Fn::Sub variable, condition and mapping
// an intrinsic function names exists.
//
// checkTemplate(file, doc, size, report) calls report(rule, where, message)
// for each problem found.

const spec = require('./spec');
const { PSEUDO } = require('./model');

// `aws cloudformation deploy` sends the body inline up to this size; beyond
// it the template has to go through an S3 bucket.
const MAX_INLINE_TEMPLATE = 51200;

const TOP_LEVEL = new Set(['AWSTemplateFormatVersion', 'Description', 'Metadata', 'Parameters',
  'Mappings', 'Conditions', 'Transform', 'Resources', 'Outputs', 'Rules']);
const RESOURCE_KEYS = new Set(['Type', 'Properties', 'DependsOn', 'Condition', 'DeletionPolicy',
  'UpdateReplacePolicy', 'Metadata', 'CreationPolicy', 'UpdatePolicy']);
const PARAM_KEYS = new Set(['Type', 'Default', 'AllowedValues', 'AllowedPattern', 'Description',
  'ConstraintDescription', 'MinLength', 'MaxLength', 'MinValue', 'MaxValue', 'NoEcho']);
const PARAM_TYPES = /^(String|Number|List<Number>|CommaDelimitedList|AWS::[A-Za-z0-9:]+|List<AWS::[A-Za-z0-9:]+>|AWS::SSM::Parameter::(Name|Value<.+>))$/;
const OUTPUT_KEYS = new Set(['Description', 'Value', 'Export', 'Condition']);
const POLICIES = new Set(['Delete', 'Retain', 'Snapshot', 'RetainExceptOnCreate']);
const FUNCTIONS = new Set(['Ref', 'Fn::GetAtt', 'Fn::Sub', 'Fn::Join', 'Fn::Select', 'Fn::Split',
  'Fn::GetAZs', 'Fn::If', 'Fn::Equals', 'Fn::Not', 'Fn::And', 'Fn::Or', 'Fn::FindInMap',
  'Fn::ImportValue', 'Fn::Base64', 'Fn::Cidr', 'Fn::Transform', 'Fn::ToJsonString', 'Fn::Length']);

function closest(name, candidates) {
  let best = null;
  let bestDist = Infinity;
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestDist) { best = c; bestDist = d; }
  }
  return bestDist <= Math.max(2, Math.floor(name.length / 4)) ? best : null;
}

function editDistance(a, b) {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length];
}

function hint(name, candidates) {
  const c = closest(name, candidates);
  return c ? ` (did you mean ${c}?)` : '';
}

function isFunction(node) {
  if (!node || typeof node !== 'object' || Array.isArray(node)) return false;
  const keys = Object.keys(node);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'));
}

function isNoValue(node) {
  return isFunction(node) && node.Ref === 'AWS::NoValue';
}

class TemplateChecker {
  constructor(file, doc, report) {
    this.file = file;
    this.doc = doc;
    this.report = report;
    this.params = doc.Parameters || {};
    this.resources = doc.Resources || {};
    this.conditions = doc.Conditions || {};
    this.mappings = doc.Mappings || {};
  }

  fail(rule, where, message) {
    this.report(rule, `${this.file} ${where}`, message);
  }

  run(size) {
    if (size > MAX_INLINE_TEMPLATE) {
      this.fail('template-size', '', `${size} bytes; aws cloudformation deploy takes at most ${MAX_INLINE_TEMPLATE} without an S3 bucket`);
    }
    for (const key of Object.keys(this.doc)) {
      if (!TOP_LEVEL.has(key)) this.fail('template-section', key, `unknown top-level section${hint(key, TOP_LEVEL)}`);
    }
    if (!this.doc.Resources || !Object.keys(this.doc.Resources).length) {
      this.fail('template-section', 'Resources', 'a template needs at least one resource');
    }
    this.checkParameters();
    this.checkConditions();
    this.checkResources();
    this.checkOutputs();
  }

  checkParameters() {
    for (const [name, p] of Object.entries(this.params)) {
      const where = `Parameters.${name}`;
      if (!p || typeof p !== 'object') { this.fail('parameter', where, 'must be a mapping'); continue; }
      for (const k of Object.keys(p)) {
        if (!PARAM_KEYS.has(k)) this.fail('parameter', where, `unknown attribute ${k}${hint(k, PARAM_KEYS)}`);
      }
      if (!PARAM_TYPES.test(String(p.Type))) this.fail('parameter', where, `unknown parameter type ${p.Type}`);
      if (!('Default' in p)) continue;
      const def = p.Default;
      if (Array.isArray(p.AllowedValues) && !p.AllowedValues.map(String).includes(String(def))) {
        this.fail('parameter', where, `Default ${def} is not one of AllowedValues`);
      }
      if (p.AllowedPattern && !new RegExp(`^(?:${p.AllowedPattern})$`).test(String(def))) {
        this.fail('parameter', where, `Default ${def} does not match AllowedPattern`);
      }
      if (p.Type === 'Number') {
        if (Number.isNaN(Number(def))) this.fail('parameter', where, `Default ${def} is not a number`);
        if ('MinValue' in p && Number(def) < Number(p.MinValue)) this.fail('parameter', where, `Default ${def} is below MinValue ${p.MinValue}`);
        if ('MaxValue' in p && Number(def) > Number(p.MaxValue)) this.fail('parameter', where, `Default ${def} is above MaxValue ${p.MaxValue}`);
      }
    }
  }

  checkConditions() {
    for (const [name, body] of Object.entries(this.conditions)) {
      this.checkIntrinsics(body, `Conditions.${name}`, { inCondition: true });
    }
    // A condition that names itself through others never resolves.
    const visiting = new Set();
    const done = new Set();
    const visit = (name, trail) => {
      if (done.has(name) || !(name in this.conditions)) return;
      if (visiting.has(name)) {
        this.fail('condition-cycle', `Conditions.${name}`, `conditions refer to each other in a cycle: ${[...trail, name].join(' -> ')}`);
        return;
      }
      visiting.add(name);
      for (const dep of conditionRefs(this.conditions[name])) visit(dep, [...trail, name]);
      visiting.delete(name);
      done.add(name);
    };
    Object.keys(this.conditions).forEach((n) => visit(n, []));
  }

  checkResources() {
    for (const [id, res] of Object.entries(this.resources)) {
      const where = `Resources.${id}`;
      if (!res || typeof res !== 'object') { this.fail('resource', where, 'must be a mapping'); continue; }
      for (const k of Object.keys(res)) {
        if (!RESOURCE_KEYS.has(k)) this.fail('resource', where, `unknown resource attribute ${k}${hint(k, RESOURCE_KEYS)}`);
      }
      if (res.Condition !== undefined && !(res.Condition in this.conditions)) {
        this.fail('condition-exists', where, `Condition ${res.Condition} is not defined in Conditions`);
      }
      const deps = res.DependsOn === undefined ? [] : [].concat(res.DependsOn);
      for (const d of deps) {
        if (!(d in this.resources)) this.fail('ref-exists', `${where}.DependsOn`, `DependsOn ${d}: no such resource${hint(String(d), Object.keys(this.resources))}`);
      }
      for (const policy of ['DeletionPolicy', 'UpdateReplacePolicy']) {
        if (res[policy] !== undefined && !POLICIES.has(res[policy])) {
          this.fail('resource', `${where}.${policy}`, `${res[policy]} is not one of ${[...POLICIES].join(', ')}`);
        }
      }
      this.checkIntrinsics(res.Properties, `${where}.Properties`, {});
      this.checkAgainstSpec(id, res, where);
    }
  }

  checkAgainstSpec(id, res, where) {
    const type = res.Type;
    if (typeof type !== 'string') { this.fail('spec-type', where, 'has no Type'); return; }
    if (type.startsWith('Custom::') || type === 'AWS::CloudFormation::CustomResource') return;
    const def = spec.resource(type);
    if (!def) {
      this.fail('spec-type', where, `resource type ${type} is not in the CloudFormation resource specification${hint(type, spec.resourceTypes())}`);
      return;
    }
    if (res.Properties !== undefined && (typeof res.Properties !== 'object' || Array.isArray(res.Properties))) {
      this.fail('spec-property', `${where}.Properties`, 'must be a mapping');
      return;
    }
    this.checkObject(res.Properties || {}, def.properties, type, `${where}.Properties`);
  }

  // Properties of one object against the spec's property map.
  checkObject(value, properties, typeName, where) {
    if (isFunction(value)) {
      this.checkFunctionValue(value, (v, w) => this.checkObject(v, properties, typeName, w), where);
      return;
    }
    if (!value || typeof value !== 'object' || Array.isArray(value)) {
      this.fail('spec-value', where, `${typeName} must be a mapping, got ${describe(value)}`);
      return;
    }
    for (const [name, v] of Object.entries(value)) {
      const prop = properties[name];
      if (!prop) {
        this.fail('spec-property', `${where}`, `${typeName} has no property ${name}${hint(name, Object.keys(properties))}`);
        continue;
      }
      this.checkValue(v, prop.type, `${typeName}.${name}`, `${where}.${name}`);
    }
    for (const [name, prop] of Object.entries(properties)) {
      if (prop.required && !(name in value)) {
        this.fail('spec-required', where, `${typeName} requires property ${name}`);
      }
    }
  }

  // Fn::If picks one of two values: both must fit. Other functions produce
  // values known only at deploy time and are accepted as any type.
  checkFunctionValue(value, check, where) {
    if (!('Fn::If' in value) || !Array.isArray(value['Fn::If'])) return;
    const [, yes, no] = value['Fn::If'];
    for (const [branch, i] of [[yes, 1], [no, 2]]) {
      if (!isNoValue(branch)) check(branch, `${where}.Fn::If[${i}]`);
    }
  }

  checkValue(value, type, typeName, where) {
    if (isNoValue(value)) return;
    if (isFunction(value)) {
      this.checkFunctionValue(value, (v, w) => this.checkValue(v, type, typeName, w), where);
      return;
    }
    switch (type.type) {
      case 'string':
        if (value === null || typeof value === 'object') this.fail('spec-value', where, `${typeName} must be a string, got ${describe(value)}`);
        break;
      case 'integer':
      case 'number':
        if (typeof value === 'boolean' || value === null || typeof value === 'object' || Number.isNaN(Number(value))
            || (type.type === 'integer' && !Number.isInteger(Number(value)))) {
          this.fail('spec-value', where, `${typeName} must be ${type.type === 'integer' ? 'an integer' : 'a number'}, got ${describe(value)}`);
        }
        break;
      case 'boolean':
        if (typeof value !== 'boolean' && value !== 'true' && value !== 'false') {
          this.fail('spec-value', where, `${typeName} must be true or false, got ${describe(value)}`);
        }
        break;
      case 'array':
        if (!Array.isArray(value)) {
          this.fail('spec-value', where, `${typeName} must be a list, got ${describe(value)}`);
          break;
        }
        value.forEach((item, i) => this.checkValue(item, type.element, typeName, `${where}[${i}]`));
        break;
      case 'map':
        if (!value || typeof value !== 'object' || Array.isArray(value)) {
          this.fail('spec-value', where, `${typeName} must be a mapping, got ${describe(value)}`);
          break;
        }
        for (const [k, v] of Object.entries(value)) this.checkValue(v, type.element, typeName, `${where}.${k}`);
        break;
      case 'tag':
        this.checkObject(value, TAG_PROPERTIES, 'Tag', where);
        break;
      case 'ref': {
        const def = spec.typeDef(type.reference);
        this.checkObject(value, def.properties, `${typeName.split('.')[0]}.${def.name}`, where);
        break;
      }
      case 'union':
        this.checkUnion(value, type.types, typeName, where);
        break;
      default:
        // json and anything newer: no shape to check.
        break;
    }
  }

  // Accept the first member type that reports nothing; otherwise report
  // what the closest-fitting member type reported.
  checkUnion(value, types, typeName, where) {
    let best = null;
    for (const t of types) {
      const found = [];
      const saved = this.report;
      this.report = (rule, w, m) => found.push([rule, w, m]);
      try {
        this.checkValue(value, t, typeName, where);
      } finally {
        this.report = saved;
      }
      if (!found.length) return;
      if (!best || found.length < best.length) best = found;
    }
    for (const [rule, w, m] of best) this.report(rule, w, m);
  }

  checkOutputs() {
    for (const [name, out] of Object.entries(this.doc.Outputs || {})) {
      const where = `Outputs.${name}`;
      if (!out || typeof out !== 'object') { this.fail('output', where, 'must be a mapping'); continue; }
      for (const k of Object.keys(out)) {
        if (!OUTPUT_KEYS.has(k)) this.fail('output', where, `unknown output attribute ${k}${hint(k, OUTPUT_KEYS)}`);
      }
      if (!('Value' in out)) this.fail('output', where, 'has no Value');
      if (out.Export !== undefined && (!out.Export || typeof out.Export !== 'object' || !('Name' in out.Export))) {
        this.fail('output', `${where}.Export`, 'needs a Name');
      }
      if (out.Condition !== undefined && !(out.Condition in this.conditions)) {
        this.fail('condition-exists', where, `Condition ${out.Condition} is not defined in Conditions`);
      }
      this.checkIntrinsics(out, where, {});
    }
  }

  // Walk a value and check every intrinsic function's targets.
  checkIntrinsics(node, where, ctx) {
    if (!node || typeof node !== 'object') return;
    if (Array.isArray(node)) {
      node.forEach((n, i) => this.checkIntrinsics(n, `${where}[${i}]`, ctx));
      return;
    }
    const keys = Object.keys(node);
    if (keys.length === 1 && (keys[0].startsWith('Fn::') || keys[0] === 'Ref'
        || (ctx.inCondition && keys[0] === 'Condition'))) {
      this.checkFunction(keys[0], node[keys[0]], where, ctx);
      return;
    }
    for (const k of keys) this.checkIntrinsics(node[k], `${where}.${k}`, ctx);
  }

  checkFunction(fn, arg, where, ctx) {
    const w = `${where}`;
    if (!FUNCTIONS.has(fn) && fn !== 'Condition') {
      this.fail('intrinsic', w, `unknown intrinsic function ${fn}${hint(fn, FUNCTIONS)}`);
      return;
    }
    switch (fn) {
      case 'Ref':
        this.checkRefName(arg, w, ctx);
        return;
      case 'Condition':
        if (!(arg in this.conditions)) this.fail('condition-exists', w, `Condition ${arg} is not defined in Conditions`);
        return;
      case 'Fn::GetAtt':
        this.checkGetAtt(arg, w, ctx);
        return;
      case 'Fn::Sub':
        this.checkSub(arg, w, ctx);
        return;
      case 'Fn::If': {
        if (!Array.isArray(arg) || arg.length !== 3) { this.fail('intrinsic', w, 'Fn::If takes [condition, value-if-true, value-if-false]'); return; }
        if (!(arg[0] in this.conditions)) this.fail('condition-exists', w, `Fn::If condition ${arg[0]} is not defined in Conditions`);
        this.checkIntrinsics(arg[1], w, ctx);
        this.checkIntrinsics(arg[2], w, ctx);
        return;
      }
      case 'Fn::FindInMap': {
        if (!Array.isArray(arg) || arg.length < 3) { this.fail('intrinsic', w, 'Fn::FindInMap takes [map, top-level key, second-level key]'); return; }
        if (typeof arg[0] === 'string' && !(arg[0] in this.mappings)) this.fail('ref-exists', w, `Fn::FindInMap ${arg[0]}: no such mapping`);
        arg.forEach((a) => this.checkIntrinsics(a, w, ctx));
        return;
      }
      case 'Fn::Join':
        if (!Array.isArray(arg) || arg.length !== 2 || typeof arg[0] !== 'string') { this.fail('intrinsic', w, 'Fn::Join takes [delimiter, list]'); return; }
        this.checkIntrinsics(arg[1], w, ctx);
        return;
      case 'Fn::Select':
      case 'Fn::Split':
      case 'Fn::Cidr':
      case 'Fn::Equals':
        if (!Array.isArray(arg)) { this.fail('intrinsic', w, `${fn} takes a list`); return; }
        this.checkIntrinsics(arg, w, ctx);
        return;
      case 'Fn::Not':
      case 'Fn::And':
      case 'Fn::Or':
        if (!Array.isArray(arg)) { this.fail('intrinsic', w, `${fn} takes a list of conditions`); return; }
        arg.forEach((a) => this.checkIntrinsics(a, w, { ...ctx, inCondition: true }));
        return;
      default:
        this.checkIntrinsics(arg, w, ctx);
    }
  }

  checkRefName(name, where, ctx) {
    if (typeof name !== 'string') { this.fail('intrinsic', where, 'Ref takes a name'); return; }
    if (PSEUDO.has(name) || name in this.params) return;
    if (name in this.resources) {
      if (ctx.inCondition) this.fail('ref-exists', where, `Ref ${name}: conditions may refer to parameters only`);
      return;
    }
    const all = [...Object.keys(this.params), ...Object.keys(this.resources), ...PSEUDO];
    this.fail('ref-exists', where, `Ref ${name}: no such parameter, resource or pseudo parameter${hint(name, all)}`);
  }

  checkGetAtt(arg, where, ctx) {
    let id;
    let attr;
    if (typeof arg === 'string') [id, attr] = arg.split(/\.(.*)/s);
    else if (Array.isArray(arg) && arg.length === 2) [id, attr] = arg;
    if (typeof id !== 'string') { this.fail('intrinsic', where, 'Fn::GetAtt takes [resource, attribute]'); return; }
    if (ctx.inCondition) this.fail('ref-exists', where, `GetAtt ${id}: conditions may refer to parameters only`);
    this.checkAttribute(id, attr, where);
  }

  checkAttribute(id, attr, where) {
    const res = this.resources[id];
    if (!res) {
      this.fail('ref-exists', where, `GetAtt ${id}: no such resource${hint(id, Object.keys(this.resources))}`);
      return;
    }
    if (typeof attr !== 'string') return;
    const def = typeof res.Type === 'string' && spec.resource(res.Type);
    if (!def) return;
    if (!(attr in def.attributes)) {
      this.fail('getatt-exists', where, `${res.Type} has no attribute ${attr}${hint(attr, Object.keys(def.attributes))}`);
    }
  }

  checkSub(arg, where, ctx) {
    let text = arg;
    let vars = {};
    if (Array.isArray(arg)) {
      [text, vars] = arg;
      if (!vars || typeof vars !== 'object') { this.fail('intrinsic', where, 'Fn::Sub takes a string or [string, variables]'); return; }
      for (const [k, v] of Object.entries(vars)) this.checkIntrinsics(v, `${where}.${k}`, ctx);
    }
    if (typeof text !== 'string') { this.fail('intrinsic', where, 'Fn::Sub needs a string'); return; }
    const re = /\$\{([^}]*)\}/g;
    let m;
    while ((m = re.exec(text)) !== null) {
      const name = m[1].trim();
      if (name.startsWith('!') || name in vars) continue;
      if (PSEUDO.has(name) || name in this.params || name in this.resources) continue;
      const dot = name.indexOf('.');
      if (dot > 0) {
        this.checkAttribute(name.slice(0, dot), name.slice(dot + 1), where);
        continue;
      }
      const all = [...Object.keys(this.params), ...Object.keys(this.resources), ...Object.keys(vars), ...PSEUDO];
      this.fail('ref-exists', where, `Fn::Sub variable \${${name}}: no such parameter, resource or variable${hint(name, all)}`);
    }
  }
}

const TAG_PROPERTIES = {
  Key: { type: { type: 'string' }, required: true },
  Value: { type: { type: 'string' }, required: true },
};

function conditionRefs(node, out = []) {
  if (!node || typeof node !== 'object') return out;
  if (Array.isArray(node)) { node.forEach((n) => conditionRefs(n, out)); return out; }
  if (Object.keys(node).length === 1 && typeof node.Condition === 'string') out.push(node.Condition);
  for (const v of Object.values(node)) conditionRefs(v, out);
  return out;
}

function describe(value) {
  if (Array.isArray(value)) return 'a list';
  if (value === null) return 'null';
  if (typeof value === 'object') return 'a mapping';
  return `${typeof value} ${JSON.stringify(value)}`;
}

function checkTemplate(file, doc, size, report) {
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) {
    report('template-section', file, 'a template must be a mapping');
    return;
  }
  new TemplateChecker(file, doc, report).run(size);
}

module.exports = { checkTemplate, MAX_INLINE_TEMPLATE };
