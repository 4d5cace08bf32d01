/**
 * Whether this process runs in production. Read here, where development-only things are made
 * (keys under DATA_DIR, the embedded database), rather than passed down: a caller that forgets to
 * pass it must not be able to create a development key in production.
 */
export function isProduction(): boolean {
  // biome-ignore lint/style/noProcessEnv: the guard must hold whatever the caller passes
  return process.env.NODE_ENV === "production";
}

export class DevelopmentOnlyError extends Error {
  constructor(what: string, instead: string) {
    super(`${what} is for development only and is refused with NODE_ENV=production: ${instead}`);
    this.name = "DevelopmentOnlyError";
  }
}

/** Throws when production: the one check every development-only facility starts with. */
export function refuseInProduction(what: string, instead: string): void {
  if (isProduction()) {
    throw new DevelopmentOnlyError(what, instead);
  }
}
