/** Fields that name a record when the source names none (csv `name_column`, json `name_field`). */
const NAME_FIELDS = ['name', 'title'] as const;

/** The `name` (or else `title`) field of a row or record, when it has a usable one. */
export function defaultNameField(record: Record<string, unknown>): string | undefined {
  return NAME_FIELDS.find((f) => {
    const v = record[f];
    return (typeof v === 'string' && v !== '') || typeof v === 'number';
  });
}
