'use strict';
// The deployment as CloudFormation would build it, for one choice of
// parameter values (a scenario): which stacks exist, which conditional
// resources exist, and what each property evaluates to, with Ref, GetAtt,
// Sub, Join/Split, If and cross-stack ImportValue resolved.
//
// Values that only AWS knows at deploy time stay symbolic:
//   Sym      a Ref or GetAtt of a resource: { kind, inst, id, attr }
//   SubStr   a Fn::Sub whose parts include a Sym
//   Joined   a Fn::Join whose items include a Sym (Fn::Split undoes it)
//   "«...»"  a string token for pseudo parameters, AZs and CIDR blocks
// Evaluation throws EvalError where CloudFormation would refuse the stack
// (a Ref to a resource whose condition is false, an import nobody exports).

const path = require('node:path');

class EvalError extends Error {}

class Sym {
  constructor(kind, inst, id, attr) {
    this.kind = kind;
    this.inst = inst;
    this.id = id;
    this.attr = attr || null;
  }

  get resource() {
    return this.inst.resources[this.id];
  }

  get type() {
    return this.resource.Type;
  }

  toString() {
    return this.attr ? `«${this.inst.name}:${this.id}.${this.attr}»` : `«${this.inst.name}:${this.id}»`;
  }
}

class SubStr {
  constructor(parts) {
    this.parts = parts;
  }

  toString() {
    return this.parts.map(String).join('');
  }
}

class Joined {
  constructor(sep, items) {
    this.sep = sep;
    this.items = items;
  }

  toString() {
    return this.items.map(String).join(this.sep);
  }
}

const NOVALUE = Symbol('AWS::NoValue');

const PSEUDO = new Set(['AWS::AccountId', 'AWS::NotificationARNs', 'AWS::NoValue', 'AWS::Partition',
  'AWS::Region', 'AWS::StackId', 'AWS::StackName', 'AWS::URLSuffix']);

// A parameter named <X>Stack names the stack made from x.yaml.
const STACK_PARAM = /^([A-Z][A-Za-z0-9]*)Stack$/;

// Templates with a ServiceName parameter are deployed once per allowed value.
const SERVICE_PARAM = 'ServiceName';

function stackToken(name) {
  return `«stack:${name}»`;
}

function isIntrinsic(node) {
  if (!node || typeof node !== 'object' || Array.isArray(node)) return false;
  const keys = Object.keys(node);
  return keys.length === 1 && (keys[0] === 'Ref' || keys[0].startsWith('Fn::'));
}

// A template's resources grouped by type, [id, resource] pairs in the
// template's order; made once per template, whatever the scenario.
const byTypeOf = new WeakMap();
function resourcesByType(resources) {
  if (!byTypeOf.has(resources)) {
    const groups = new Map();
    for (const [id, res] of Object.entries(resources)) {
      if (!groups.has(res.Type)) groups.set(res.Type, []);
      groups.get(res.Type).push([id, res]);
    }
    byTypeOf.set(resources, groups);
  }
  return byTypeOf.get(resources);
}

class Instance {
  // template: { file, doc }; values: parameter name -> value for this stack.
  constructor(deployment, name, template, values) {
    this.deployment = deployment;
    this.name = name;
    this.file = path.basename(template.file);
    this.doc = template.doc;
    this.params = this.doc.Parameters || {};
    this.resources = this.doc.Resources || {};
    this.values = values;
    this.conditionCache = new Map();
    this.propsCache = new Map();
    this.typeCache = new Map();
  }

  get label() {
    const base = this.file.replace(/\.yaml$/, '');
    return base === this.name ? this.file : `${this.file} (${this.name})`;
  }

  get service() {
    return this.values[SERVICE_PARAM];
  }

  condition(name) {
    if (this.conditionCache.has(name)) return this.conditionCache.get(name);
    const conds = this.doc.Conditions || {};
    if (!(name in conds)) throw new EvalError(`condition ${name} is not defined`);
    this.conditionCache.set(name, false);
    const value = Boolean(this.evalCondition(conds[name]));
    this.conditionCache.set(name, value);
    return value;
  }

  evalCondition(node) {
    if (node && typeof node === 'object' && !Array.isArray(node) && 'Condition' in node
        && Object.keys(node).length === 1) {
      return this.condition(node.Condition);
    }
    return this.eval(node);
  }

  exists(id) {
    const res = this.resources[id];
    if (!res) return false;
    return !res.Condition || this.condition(res.Condition);
  }

  // [id, resource] of each resource of a type that this scenario creates
  // (memoized: the rules ask for the same types again and again, and a
  // scenario's conditions do not change).
  ofType(type) {
    if (!this.typeCache.has(type)) {
      const ofType = resourcesByType(this.resources).get(type) || [];
      this.typeCache.set(type, ofType.filter(([id]) => this.exists(id)));
    }
    return this.typeCache.get(type);
  }

  // The evaluated Properties of a resource (memoized).
  props(id) {
    if (!this.propsCache.has(id)) {
      const res = this.resources[id];
      this.propsCache.set(id, res.Properties ? this.eval(res.Properties) : {});
    }
    return this.propsCache.get(id);
  }

  ref(name) {
    if (PSEUDO.has(name)) {
      if (name === 'AWS::NoValue') return NOVALUE;
      if (name === 'AWS::StackName') return stackToken(this.name);
      return `«${name}»`;
    }
    if (name in this.params) return this.values[name];
    if (name in this.resources) {
      const res = this.resources[name];
      if (res.Condition && !this.condition(res.Condition)) {
        throw new EvalError(`Ref ${name}, which is not created when condition ${res.Condition} is false`);
      }
      return new Sym('ref', this, name);
    }
    throw new EvalError(`Ref ${name}: no such parameter or resource`);
  }

  getAtt(id, attr) {
    const res = this.resources[id];
    if (!res) throw new EvalError(`GetAtt ${id}.${attr}: no such resource`);
    if (res.Condition && !this.condition(res.Condition)) {
      throw new EvalError(`GetAtt ${id}.${attr}, which is not created when condition ${res.Condition} is false`);
    }
    return new Sym('getatt', this, id, attr);
  }

  eval(node) {
    if (node === null || typeof node !== 'object') return node;
    if (Array.isArray(node)) return node.map((n) => this.eval(n)).filter((v) => v !== NOVALUE);
    if (isIntrinsic(node)) {
      const key = Object.keys(node)[0];
      return this.intrinsic(key, node[key]);
    }
    const out = {};
    for (const [k, v] of Object.entries(node)) {
      const value = this.eval(v);
      if (value !== NOVALUE) out[k] = value;
    }
    return out;
  }

  intrinsic(key, arg) {
    switch (key) {
      case 'Ref':
        return this.ref(arg);
      case 'Fn::GetAtt': {
        const [id, attr] = Array.isArray(arg) ? arg : String(arg).split(/\.(.*)/s);
        return this.getAtt(id, typeof attr === 'string' ? attr : String(this.eval(attr)));
      }
      case 'Fn::Sub':
        return this.sub(arg);
      case 'Fn::Join': {
        const [sep, list] = arg;
        const items = this.list(list, 'Fn::Join');
        if (items.every((i) => typeof i !== 'object')) return items.join(sep);
        return new Joined(sep, items);
      }
      case 'Fn::Split': {
        const [sep, src] = arg;
        const value = this.eval(src);
        if (value instanceof Joined && value.sep === sep) return value.items;
        if (typeof value === 'string') return value.split(sep);
        return [`«split:${String(value)}»`];
      }
      case 'Fn::Select': {
        const index = Number(this.eval(arg[0]));
        const source = this.eval(arg[1]);
        // A list attribute (GetAtt Vpc.Ipv6CidrBlocks) is known only to AWS.
        if (source instanceof Sym) return `«${String(source).slice(1, -1)}[${index}]»`;
        if (!Array.isArray(source)) throw new EvalError(`Fn::Select needs a list, got ${String(source)}`);
        if (index >= source.length) throw new EvalError(`Fn::Select index ${index} is out of range`);
        return source[index];
      }
      case 'Fn::GetAZs':
        return ['«az:0»', '«az:1»', '«az:2»', '«az:3»', '«az:4»', '«az:5»'];
      case 'Fn::Cidr': {
        const count = Number(this.eval(arg[1]));
        return Array.from({ length: count }, (_, i) => `«cidr:${String(this.eval(arg[0]))}:${i}»`);
      }
      case 'Fn::If': {
        const [cond, yes, no] = arg;
        return this.eval(this.condition(cond) ? yes : no);
      }
      case 'Fn::ImportValue':
        return this.deployment.importValue(this.eval(arg), this);
      case 'Fn::FindInMap': {
        const [map, top, second] = arg.map((a) => this.eval(a));
        const mapping = (this.doc.Mappings || {})[map];
        const free = /^«param:(.*)»$/.exec(String(top));
        if (free) {
          throw new EvalError(`Fn::FindInMap ${map}: parameter ${free[1]} may take a value the mapping lacks; give it AllowedValues from the mapping's keys`);
        }
        if (!mapping || !mapping[top] || !(second in mapping[top])) {
          throw new EvalError(`Fn::FindInMap ${map}.${top}.${second} does not exist`);
        }
        return this.eval(mapping[top][second]);
      }
      case 'Fn::Base64':
        return this.eval(arg);
      case 'Fn::Equals':
        return String(this.eval(arg[0])) === String(this.eval(arg[1]));
      case 'Fn::Not':
        return !this.evalCondition(arg[0]);
      case 'Fn::And':
        return arg.every((c) => this.evalCondition(c));
      case 'Fn::Or':
        return arg.some((c) => this.evalCondition(c));
      default:
        throw new EvalError(`${key} is not supported by the validator`);
    }
  }

  list(node, where) {
    const value = this.eval(node);
    if (!Array.isArray(value)) throw new EvalError(`${where} needs a list, got ${String(value)}`);
    return value;
  }

  sub(arg) {
    const [text, vars] = Array.isArray(arg) ? arg : [arg, {}];
    const local = {};
    for (const [k, v] of Object.entries(vars || {})) local[k] = this.eval(v);
    const parts = [];
    const re = /\$\{([^}]*)\}/g;
    let last = 0;
    let m;
    while ((m = re.exec(text)) !== null) {
      parts.push(text.slice(last, m.index));
      last = re.lastIndex;
      const name = m[1].trim();
      if (name.startsWith('!')) {
        parts.push(`\${${name.slice(1)}}`);
      } else if (name in local) {
        parts.push(local[name]);
      } else if (name.includes('.') && !PSEUDO.has(name)) {
        const dot = name.indexOf('.');
        parts.push(this.getAtt(name.slice(0, dot), name.slice(dot + 1)));
      } else {
        parts.push(this.ref(name));
      }
    }
    parts.push(text.slice(last));
    const merged = [];
    for (const p of parts) {
      const value = typeof p === 'number' || typeof p === 'boolean' ? String(p) : p;
      if (typeof value === 'string' && typeof merged[merged.length - 1] === 'string') {
        merged[merged.length - 1] += value;
      } else {
        merged.push(value);
      }
    }
    const nonEmpty = merged.filter((p) => p !== '');
    if (nonEmpty.every((p) => typeof p === 'string')) return nonEmpty.join('');
    return new SubStr(nonEmpty);
  }
}

class Deployment {
  // templates: [{ file, doc }]; scenario: parameter name -> value.
  constructor(templates, scenario) {
    this.scenario = scenario;
    this.instances = [];
    for (const t of templates) {
      const base = path.basename(t.file).replace(/\.ya?ml$/, '');
      const params = (t.doc && t.doc.Parameters) || {};
      const services = params[SERVICE_PARAM] && params[SERVICE_PARAM].AllowedValues;
      for (const name of services || [base]) {
        this.instances.push(new Instance(this, name, t, this.valuesFor(params, name, Boolean(services))));
      }
    }
    this.exportCache = null;
  }

  valuesFor(params, name, isService) {
    const values = {};
    for (const [p, def] of Object.entries(params)) {
      const stack = STACK_PARAM.exec(p);
      if (isService && p === SERVICE_PARAM) values[p] = name;
      else if (stack) values[p] = stackToken(stack[1].toLowerCase());
      else if (p in this.scenario) values[p] = this.scenario[p];
      else if (def && 'Default' in def) values[p] = def.Default;
      else values[p] = `«param:${p}»`;
    }
    return values;
  }

  instance(name) {
    return this.instances.find((i) => i.name === name);
  }

  // Export name -> { inst, output } over every stack of the deployment.
  exports() {
    if (this.exportCache) return this.exportCache;
    this.exportCache = new Map();
    for (const inst of this.instances) {
      for (const [key, out] of Object.entries(inst.doc.Outputs || {})) {
        if (!out || !out.Export) continue;
        if (out.Condition && !inst.condition(out.Condition)) continue;
        const name = String(inst.eval(out.Export.Name));
        const prior = this.exportCache.get(name);
        if (prior) {
          throw new EvalError(`export ${name} is declared by ${prior.inst.label} ${prior.key} and ${inst.label} ${key}`);
        }
        this.exportCache.set(name, { inst, key, output: out });
      }
    }
    return this.exportCache;
  }

  importValue(name, from) {
    if (typeof name !== 'string') throw new EvalError(`Fn::ImportValue needs a name known before deploy, got ${String(name)}`);
    const found = this.exports().get(name);
    if (!found) {
      throw new EvalError(`Fn::ImportValue ${name.replace(/«stack:(\w+)»/g, '${$1 stack}')} matches no export of any template`);
    }
    if (found.inst === from) throw new EvalError(`Fn::ImportValue ${name} imports from its own stack`);
    return found.inst.eval(found.output.Value);
  }
}

// The values to try for a parameter: its allowed values, default first,
// or else its default, the given literals and one value that is none of
// those.
function candidateValues(p, def, literals) {
  if (Array.isArray(def.AllowedValues)) {
    const values = def.AllowedValues.map(String);
    return 'Default' in def ? [String(def.Default), ...values.filter((v) => v !== String(def.Default))] : values;
  }
  return [...new Set([...('Default' in def ? [String(def.Default)] : []), ...literals, `«param:${p}»`])];
}

// Parameters whose value decides a condition, and the values worth trying
// (candidateValues, with the literals it is compared with).
function scenarioAxes(templates) {
  const axes = new Map();
  for (const t of templates) {
    const params = t.doc.Parameters || {};
    const conds = t.doc.Conditions || {};
    const compared = new Map();
    const walk = (node) => {
      if (!node || typeof node !== 'object') return;
      if (Array.isArray(node)) { node.forEach(walk); return; }
      if (Array.isArray(node['Fn::Equals'])) {
        const [a, b] = node['Fn::Equals'];
        for (const [x, y] of [[a, b], [b, a]]) {
          if (x && typeof x === 'object' && typeof x.Ref === 'string' && x.Ref in params
              && (y === null || typeof y !== 'object')) {
            if (!compared.has(x.Ref)) compared.set(x.Ref, new Set());
            compared.get(x.Ref).add(String(y));
          }
        }
      }
      Object.values(node).forEach(walk);
    };
    walk(conds);
    for (const [p, literals] of compared) {
      if (p === SERVICE_PARAM || STACK_PARAM.test(p)) continue;
      const values = candidateValues(p, params[p], [...literals]);
      const prior = axes.get(p) || [];
      axes.set(p, [...new Set([...prior, ...values])]);
    }
  }
  return axes;
}

// Parameters that pick a mapping's entry (Fn::FindInMap [Map, !Ref P, Key])
// and the values worth trying. CloudFormation refuses a stack whose
// parameter names no entry, and each entry may hold a different value.
function mappingAxes(templates) {
  const axes = new Map();
  for (const t of templates) {
    const params = t.doc.Parameters || {};
    const walk = (node) => {
      if (!node || typeof node !== 'object') return;
      if (Array.isArray(node)) { node.forEach(walk); return; }
      const args = node['Fn::FindInMap'];
      if (Array.isArray(args) && args[1] && typeof args[1] === 'object' && typeof args[1].Ref === 'string') {
        const p = args[1].Ref;
        if (p in params && p !== SERVICE_PARAM && !STACK_PARAM.test(p)) {
          const prior = axes.get(p) || [];
          axes.set(p, [...new Set([...prior, ...candidateValues(p, params[p], [])])]);
        }
      }
      Object.values(node).forEach(walk);
    };
    walk([t.doc.Resources, t.doc.Outputs]);
  }
  return axes;
}

// Every combination of the condition axes' values, the first all
// defaults; then each other value of a mapping axis on its own, the rest
// at their defaults. That finds an entry that is missing or holds a wrong
// value without multiplying the combinations; a lookup only in a branch
// that the default conditions do not take is tried with the default entry.
function scenarios(templates, limit = 256) {
  const conditionAxes = scenarioAxes(templates);
  let out = [{}];
  for (const [p, values] of conditionAxes) {
    const next = [];
    for (const s of out) for (const v of values) next.push({ ...s, [p]: v });
    out = next;
    if (out.length > limit) throw new Error(`more than ${limit} parameter combinations decide conditions`);
  }
  const first = out[0];
  for (const [p, values] of mappingAxes(templates)) {
    if (conditionAxes.has(p)) continue;
    for (const v of values.slice(1)) out.push({ ...first, [p]: v });
  }
  return out;
}

function describeScenario(scenario, first) {
  const diff = Object.entries(scenario).filter(([k, v]) => first[k] !== v);
  if (!diff.length) return '';
  return diff.map(([k, v]) => `${k}=${/^«param:/.test(v) ? '<set>' : v === '' ? '<empty>' : v}`).join(', ');
}

module.exports = {
  Deployment, Sym, SubStr, Joined, EvalError, PSEUDO, scenarios, describeScenario,
};
