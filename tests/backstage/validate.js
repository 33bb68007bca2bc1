// Validates Backstage entities (a JSON array on stdin) with Backstage's own validators from
// @backstage/catalog-model: each entity must pass its kind's validator and the catalog's
// default policies (names, namespaces, tags, annotations, no foreign root fields).
// Prints one JSON line: {"valid": n, "errors": [{"entity": "kind:name", "error": "..."}]}.
const model = require('@backstage/catalog-model');

const validators = [
  model.apiEntityV1alpha1Validator, model.componentEntityV1alpha1Validator,
  model.domainEntityV1alpha1Validator, model.groupEntityV1alpha1Validator,
  model.resourceEntityV1alpha1Validator, model.systemEntityV1alpha1Validator,
];
const policy = model.EntityPolicies.allOf([
  new model.DefaultNamespaceEntityPolicy(), new model.NoForeignRootFieldsEntityPolicy(),
  new model.FieldFormatEntityPolicy(), new model.SchemaValidEntityPolicy(),
]);

async function main() {
  const input = require('fs').readFileSync(0, 'utf8');
  const entities = JSON.parse(input);
  const errors = [];
  let valid = 0;
  for (const entity of entities) {
    const label = `${entity.kind}:${entity.metadata && entity.metadata.name}`;
    try {
      const checked = await policy.enforce(entity);
      let matched = false;
      for (const v of validators) {
        if (await v.check(checked)) { matched = true; break; }
      }
      if (!matched) throw new Error(`no validator accepts kind ${entity.kind}`);
      valid += 1;
    } catch (e) {
      errors.push({ entity: label, error: String(e && e.message || e) });
    }
  }
  process.stdout.write(JSON.stringify({ valid, errors }) + '\n');
}
main().catch((e) => { console.error(e); process.exit(1); });
