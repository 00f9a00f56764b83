#!/usr/bin/env node
'use strict';
// Offline validation of the CloudFormation templates in ecs/.
//
//   node ecs/validate/validate.js [--contract FILE] [TEMPLATE.yaml ... | DIR ...]
//   node ecs/validate/validate.js --list-rules
//
// With no arguments it checks every ecs/*.yaml against ecs/contract.json;
// each directory given is checked as a deployment of its own. The
// templates are evaluated together as the stacks ecs/deploy.sh creates,
// for every combination of the parameters that decide a condition, and the
// architecture rules (rules.js) run on each. What the CloudFormation
// specification says (property names, types, enumerations, IAM policy
// syntax, references inside one template) is cfn-lint's job (ecs/.cfnlintrc,
// t/7001-ecs-linters.t), not this validator's.
// Prints one line per problem and exits 1 if there is any, 0 and a summary
// line otherwise, 2 on a usage error or missing npm packages.

const fs = require('node:fs');
const path = require('node:path');

const ECS_DIR = path.resolve(__dirname, '..');
const MAX_INLINE_TEMPLATE = 51200;

function usage(message) {
  if (message) process.stderr.write(`validate: ${message}\n`);
  process.stderr.write('usage: validate.js [--contract FILE] [--list-rules] [TEMPLATE.yaml ... | DIR ...]\n');
  process.exit(2);
}

// A set of templates deployed together, and the contract they follow. A
// directory argument is a set of its own: its *.yaml, and its contract.json
// when it has one.
function parseArgs(argv) {
  const opts = { contract: path.join(ECS_DIR, 'contract.json'), files: [], dirs: [], listRules: false };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--contract') opts.contract = argv[++i] || usage('--contract needs a file');
    else if (a === '--list-rules') opts.listRules = true;
    else if (a.startsWith('-')) usage(`unknown option ${a}`);
    else if (fs.existsSync(a) && fs.statSync(a).isDirectory()) opts.dirs.push(a);
    else opts.files.push(a);
  }
  if (opts.files.length && opts.dirs.length) usage('give template files or directories, not both');
  const sets = opts.dirs.map((dir) => ({
    label: dir,
    files: yamlFiles(dir),
    contract: fs.existsSync(path.join(dir, 'contract.json')) ? path.join(dir, 'contract.json') : opts.contract,
  }));
  if (!sets.length) {
    sets.push({ label: '', files: opts.files.length ? opts.files : yamlFiles(ECS_DIR), contract: opts.contract });
  }
  return { ...opts, sets };
}

function yamlFiles(dir) {
  return fs.readdirSync(dir).filter((f) => f.endsWith('.yaml')).sort().map((f) => path.join(dir, f));
}

function loadModules() {
  try {
    require.resolve('js-yaml');
    return {
      yaml: require('./cfn-yaml'),
      model: require('./model'),
      rules: require('./rules'),
    };
  } catch (e) {
    process.stderr.write(`validate: ${e.message.split('\n')[0]}\n`
      + 'validate: node_modules is missing or incomplete; run `npm ci` in the repository root\n');
    return process.exit(2);
  }
}

function main() {
  const opts = parseArgs(process.argv.slice(2));
  const mods = loadModules();
  if (opts.listRules) {
    for (const r of mods.rules.RULES) process.stdout.write(`${r.name}\t${r.description}\n`);
    return 0;
  }
  let failed = 0;
  for (const set of opts.sets) {
    if (opts.sets.length > 1) process.stdout.write(`== ${set.label}\n`);
    if (!validateSet(mods, set)) failed++;
  }
  return failed ? 1 : 0;
}

// Prints the set's problems and a summary line; returns true if it has none.
function validateSet(mods, set) {
  const contract = JSON.parse(fs.readFileSync(set.contract, 'utf8'));
  const { RULES } = mods.rules;
  const problems = new Map();
  let scenarioLabel = '';
  const report = (rule, where, message) => {
    const key = `${rule}\u0000${where}\u0000${message}`;
    if (!problems.has(key)) problems.set(key, { rule, where, message, scenario: scenarioLabel });
  };

  const templates = [];
  for (const file of set.files) {
    let loaded;
    try {
      loaded = mods.yaml.loadTemplate(file);
    } catch (e) {
      report('yaml-parse', path.basename(file), e.message.split('\n')[0]);
      continue;
    }
    // ecs/deploy.sh passes templates inline (no S3 bucket).
    if (loaded.size > MAX_INLINE_TEMPLATE) {
      report('template-size', path.basename(file), `${loaded.size} bytes; aws cloudformation deploy takes at most ${MAX_INLINE_TEMPLATE} without an S3 bucket`);
    }
    if (loaded.doc && typeof loaded.doc === 'object' && !Array.isArray(loaded.doc)) {
      templates.push({ file, doc: loaded.doc });
    } else {
      report('yaml-parse', path.basename(file), 'a template must be a mapping');
    }
  }

  let scenarios = [{}];
  try {
    scenarios = mods.model.scenarios(templates);
  } catch (e) {
    report('scenarios', 'deployment', e.message);
  }
  for (const scenario of scenarios) {
    scenarioLabel = mods.model.describeScenario(scenario, scenarios[0]);
    const dep = new mods.model.Deployment(templates, scenario);
    const unevaluable = evaluateAll(dep, report, mods.model.EvalError);
    const ctx = { contract, fail: null };
    for (const r of RULES) {
      ctx.fail = (where, message) => report(r.name, where, message);
      try {
        r.check(dep, ctx);
      } catch (e) {
        if (!(e instanceof mods.model.EvalError)) throw e;
        // A resource that does not evaluate stops every rule that reads
        // it; evaluateAll has already named it and where it is.
        if (!unevaluable.has(e.message)) report(r.name, 'deployment', e.message);
      }
    }
  }

  for (const p of problems.values()) {
    const when = p.scenario ? ` (with ${p.scenario})` : '';
    process.stdout.write(`FAIL [${p.rule}] ${p.where}: ${p.message}${when}\n`);
  }
  const summary = `${templates.length} templates, ${RULES.length} rules, ${scenarios.length} parameter combinations`;
  if (problems.size) {
    process.stdout.write(`${problems.size} problems in ${summary}\n`);
    return false;
  }
  process.stdout.write(`ok: ${summary}\n`);
  return true;
}

// Evaluate every resource and output the scenario creates, so a Ref to a
// resource that a condition leaves out, or an import nobody exports, is
// found even where no rule looks. Returns the messages it reported.
function evaluateAll(dep, report, EvalError) {
  const messages = new Set();
  const guard = (where, fn) => {
    try {
      fn();
    } catch (e) {
      if (!(e instanceof EvalError)) throw e;
      report('evaluate', where, e.message);
      messages.add(e.message);
    }
  };
  guard('deployment', () => dep.exports());
  for (const inst of dep.instances) {
    for (const id of Object.keys(inst.resources)) {
      guard(`${inst.label} Resources.${id}`, () => { if (inst.exists(id)) inst.props(id); });
    }
    for (const [key, out] of Object.entries(inst.doc.Outputs || {})) {
      guard(`${inst.label} Outputs.${key}`, () => {
        if (!out.Condition || inst.condition(out.Condition)) inst.eval(out);
      });
    }
  }
  return messages;
}

process.exitCode = main();
