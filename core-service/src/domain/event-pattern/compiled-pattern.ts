/**
 * The compiled form of an event pattern: a tree mirroring the pattern's objects, with every leaf's value list
 * folded into one predicate. Built once per subscriber, then walked once per event.
 */

/** A JSON scalar found at a leaf of an event. */
export type LeafValue = string | number | boolean | null;

/** Decides whether one present leaf value satisfies a pattern leaf. */
export type ValueMatcher = (value: LeafValue) => boolean;

export interface LeafRule {
  readonly kind: "leaf";
  readonly key: string;
  readonly matchesValue: ValueMatcher;
  /** True when the leaf holds `{"exists": false}`: a field with no leaf value satisfies it. */
  readonly matchesAbsence: boolean;
}

export interface NestedRule {
  readonly kind: "nested";
  readonly key: string;
  readonly node: PatternNode;
}

export type FieldRule = LeafRule | NestedRule;

export interface PatternNode {
  /** Every rule must hold (AND across fields). */
  readonly rules: readonly FieldRule[];
  /** One entry per `$or` at this level; each needs at least one of its alternatives to hold. */
  readonly anyOf: readonly (readonly PatternNode[])[];
}

export const COMPILED_ROOT: unique symbol = Symbol("avmon.eventPattern.root");

/** A compiled event pattern. Opaque: build it with `compileEventPattern`, use it with `matchesEventPattern`. */
export interface EventPattern {
  readonly [COMPILED_ROOT]: PatternNode;
}

export const NEVER_MATCHES: ValueMatcher = () => false;
