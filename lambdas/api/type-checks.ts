/**
 * Compile-time checks that a domain type and its wire form in contract/ agree, for the
 * places where one is written from the other. Neither side may import the other's
 * folder for its own types (core and report know nothing of the wire; contract knows
 * nothing of ours), so the handlers, which stand between them, hold the checks:
 * `export type X = Assert<Same<A, B>>` fails to compile the moment the two drift.
 */

/** True when every `From` is a `To`. Tuples keep unions from distributing. */
export type Assignable<From, To> = [From] extends [To] ? true : false;

/** True when each is assignable to the other. */
export type Same<A, B> = Assignable<A, B> extends true ? Assignable<B, A> : false;

/** Compiles only for `true`. */
export type Assert<T extends true> = T;
