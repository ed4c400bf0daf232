import { ConflictException } from '@libs/errors';

export class BuiltinRealmException extends ConflictException {
  constructor(name: string, action: string) {
    super(`Realm "${name}" is built in and cannot be ${action}`, { realm: name }, 'builtin_realm');
  }
}

export class RealmExistsException extends ConflictException {
  constructor(name: string) {
    super(`A realm named "${name}" already exists`, { realm: name }, 'already_exists');
  }
}

export class RealmInUseException extends ConflictException {
  constructor(name: string, usage: { nodes: number; edges: number; sources: number }) {
    super(
      `Realm "${name}" is still in use; pass ?force=true to archive its data and reset references`,
      { realm: name, ...usage },
      'in_use',
    );
  }
}
