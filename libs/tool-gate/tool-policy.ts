import { Injectable } from '@nestjs/common';
import type { PolicyOpinion, ToolGateInput } from './tool-gate.types';

/**
 * The seam for org policies (Rego, policies.md): asked by the gate for every tool call after the
 * built-in rules. A `deny` refuses the call; an `approve` turns an allowed call into one that
 * needs a human. Until a policies module provides one, nothing is added.
 */
export abstract class ToolPolicy {
  abstract evaluate(input: ToolGateInput): Promise<PolicyOpinion | null>;
}

@Injectable()
export class NoToolPolicy extends ToolPolicy {
  evaluate(): Promise<PolicyOpinion | null> {
    return Promise.resolve(null);
  }
}
