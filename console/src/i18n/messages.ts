/**
 * The shape every language's messages must have: the French file is the source, and the others
 * are typed against it so that a key missing in Arabic or English is a type error, not a blank.
 */
export type Messages<T> = { readonly [K in keyof T]: T[K] extends string ? string : Messages<T[K]> };
