import { getMetadataStorage } from 'class-validator';

type MetadataStorage = ReturnType<typeof getMetadataStorage>;
type TargetMetadatas = ReturnType<MetadataStorage['getTargetValidationMetadatas']>;

const memoized = new WeakSet<MetadataStorage>();

/**
 * class-validator looks up a class's rules on every validation by walking every class it knows
 * (an `instanceof` per DTO class, several hundred here), which was a tenth of a chat send's CPU
 * before its first query. The rules only change when a decorated class is defined, so the answer is
 * kept per class and options, and forgotten whenever a rule, constraint or schema is registered.
 * The executor reads the returned list without changing it. Idempotent.
 */
export function memoizeTargetValidationMetadatas(storage: MetadataStorage = getMetadataStorage()): void {
  if (memoized.has(storage)) {
    return;
  }
  memoized.add(storage);
  let memo = new WeakMap<object, Map<string, TargetMetadatas>>();
  const forget = () => (memo = new WeakMap());
  const addSchema = storage.addValidationSchema.bind(storage);
  const addRule = storage.addValidationMetadata.bind(storage);
  const addConstraint = storage.addConstraintMetadata.bind(storage);
  storage.addValidationSchema = (schema) => (forget(), addSchema(schema));
  storage.addValidationMetadata = (metadata) => (forget(), addRule(metadata));
  storage.addConstraintMetadata = (metadata) => (forget(), addConstraint(metadata));
  const lookup = storage.getTargetValidationMetadatas.bind(storage);
  storage.getTargetValidationMetadatas = (target, schema, always, strictGroups, groups) => {
    const key = `${schema}\u0000${always}\u0000${strictGroups}\u0000${groups?.join('\u0001') ?? ''}`;
    let byOptions = memo.get(target);
    const known = byOptions?.get(key);
    if (known) {
      return known;
    }
    const found = lookup(target, schema, always, strictGroups, groups);
    if (!byOptions) {
      byOptions = new Map();
      memo.set(target, byOptions);
    }
    byOptions.set(key, found);
    return found;
  };
}
