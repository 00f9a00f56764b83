'use strict';
// The CloudFormation resource specification, from npm's
// @aws-cdk/aws-service-spec (the database the AWS CDK generates its L1
// constructs from, rebuilt from the CloudFormation registry schemas and
// published continuously). Loaded once; lookups return plain objects:
//   resource(type) -> { properties, attributes } or null
//   typeDef(ref)   -> { name, properties } for a nested property type

let db = null;

function load() {
  if (db) return db;
  let mod;
  try {
    mod = require('@aws-cdk/aws-service-spec');
  } catch (e) {
    throw new Error('@aws-cdk/aws-service-spec is not installed: run `npm ci` in the repository root');
  }
  db = mod.loadAwsServiceSpecSync();
  return db;
}

function resource(type) {
  const found = load().lookup('resource', 'cloudFormationType', 'equals', type);
  return found.length ? found[0] : null;
}

function typeDef(reference) {
  return load().get('typeDefinition', reference.$ref);
}

// Names of all resource types, for "did you mean" hints.
function resourceTypes() {
  return load().all('resource').map((r) => r.cloudFormationType);
}

module.exports = { resource, typeDef, resourceTypes };
