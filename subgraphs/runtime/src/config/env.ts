import { z } from "zod";

/** A TCP port; 0 asks the OS for a free one (tests). */
export const port = (fallback: number) => z.coerce.number().int().min(0).max(65535).default(fallback);

/**
 * SHUTDOWN_GRACE_SECONDS: how long a stopping service lets its requests in flight finish. Empty
 * means unset, not 0, which would cut every request at the signal.
 */
export const shutdownGraceSeconds = z.preprocess(
  (value) => (value === "" ? undefined : value),
  z.coerce.number().int().min(0).max(300).default(10),
);

export const logLevel = z.enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"]).default("info");

/** An optional URL where the empty string means "not set", as shells and .env files write it. */
export const optionalUrl = z.preprocess((value) => (value === "" ? undefined : value), z.string().url().optional());

export class EnvError extends Error {
  constructor(readonly issues: string[]) {
    super(`Invalid environment:\n  ${issues.join("\n  ")}`);
    this.name = "EnvError";
  }
}

/**
 * Parses the environment once, reporting every problem at the same time so that an operator fixes
 * the configuration in one go.
 */
export function parseEnv<T extends z.ZodType>(
  schema: T,
  // biome-ignore lint/style/noProcessEnv: the one place that reads process.env
  source: Record<string, string | undefined> = process.env,
): z.infer<T> {
  const result = schema.safeParse(source);
  if (!result.success) {
    throw new EnvError(result.error.issues.map((issue) => `${issue.path.join(".") || "(root)"}: ${issue.message}`));
  }
  return result.data;
}

/**
 * Reads the environment at start-up, or exits with every problem on a line of its own and no stack
 * trace: before anything is created, so that a misconfigured service leaves nothing behind.
 */
export function readEnvOrExit<T>(load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (!(error instanceof EnvError)) {
      throw error;
    }
    process.stderr.write(`${error.message}\n`);
    process.exit(2);
  }
}
