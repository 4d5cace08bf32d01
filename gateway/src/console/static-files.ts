import { createReadStream } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import path from "node:path";
import { pipeline } from "node:stream/promises";

/*
 * Files of the built console (Vite's output), read from one directory and nothing outside it.
 * Hand-written rather than a static-file package because what it must do is small and strict: a
 * request path is decoded once, refused if it carries an encoded slash or backslash, a NUL byte or
 * a dot segment, then resolved and checked to stay under the directory after symbolic links are
 * followed. No directory listings, no ranges (the files are small), validators by size and time.
 */

const TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".webmanifest": "application/manifest+json; charset=utf-8",
  ".txt": "text/plain; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".jpg": "image/jpeg",
  ".jpeg": "image/jpeg",
  ".webp": "image/webp",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".woff": "font/woff",
  ".ttf": "font/ttf",
};

/** Longest request path accepted: the console's own are a few dozen characters. */
const MAX_PATH_LENGTH = 1024;

/** A request path decoded and checked, or why it is refused. */
export type CheckedPath = { path: string } | { refused: 400 | 414 };

/** Decodes the path of a request target (before `?`), refusing anything that could leave the directory. */
export function checkedPath(target: string): CheckedPath {
  const end = target.search(/[?#]/);
  const raw = end < 0 ? target : target.slice(0, end);
  if (raw.length > MAX_PATH_LENGTH) {
    return { refused: 414 };
  }
  // Only origin-form targets (RFC 9112 §3.2.1); encoded separators would survive decoding as data.
  if (!raw.startsWith("/") || raw.startsWith("//") || /%(2f|5c|00)/i.test(raw)) {
    return { refused: 400 };
  }
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    return { refused: 400 };
  }
  // NUL and every other control character, and backslashes (a separator on some systems).
  if ([...decoded].some((char) => char < " " || char === "\u007f" || char === "\\")) {
    return { refused: 400 };
  }
  if (decoded.split("/").some((segment) => segment === "." || segment === "..")) {
    return { refused: 400 };
  }
  return { path: decoded };
}

export interface StaticFile {
  file: string;
  size: number;
  mtimeMs: number;
}

/**
 * The regular file at `relative` under `root` (a resolved, real directory), or undefined when there
 * is none or it resolves outside `root` (a symbolic link pointing away).
 */
export async function fileUnder(root: string, relative: string): Promise<StaticFile | undefined> {
  // A file is named without a trailing slash (path.resolve would drop it), and hidden files
  // (`.env`, `.git`) are never part of a build.
  if (relative.endsWith("/") || relative.split("/").some((segment) => segment.startsWith("."))) {
    return undefined;
  }
  const candidate = path.resolve(root, `.${relative}`);
  if (!candidate.startsWith(root + path.sep)) {
    return undefined;
  }
  try {
    const real = await realpath(candidate);
    if (!real.startsWith(root + path.sep)) {
      return undefined;
    }
    const info = await stat(real);
    return info.isFile() ? { file: real, size: info.size, mtimeMs: info.mtimeMs } : undefined;
  } catch {
    return undefined;
  }
}

/** The directory's real path, or undefined when it does not exist. */
export async function realDirectory(dir: string): Promise<string | undefined> {
  try {
    const real = await realpath(dir);
    return (await stat(real)).isDirectory() ? real : undefined;
  } catch {
    return undefined;
  }
}

export function contentTypeOf(file: string): string {
  return TYPES[path.extname(file).toLowerCase()] ?? "application/octet-stream";
}

const etagOf = (file: StaticFile) => `W/"${file.size.toString(16)}-${Math.floor(file.mtimeMs).toString(16)}"`;

/** Whether an If-None-Match header names the entity tag (weak comparison, RFC 9110 §13.1.2). */
function matches(header: string | undefined, etag: string): boolean {
  if (!header) {
    return false;
  }
  if (header.trim() === "*") {
    return true;
  }
  const bare = etag.replace(/^W\//, "");
  return header.split(",").some((tag) => tag.trim().replace(/^W\//, "") === bare);
}

/**
 * Sends the file (GET) or its headers alone (HEAD), or 304 when the client's copy is current.
 * `cacheControl` says how long it may be kept: hashed assets for ever, index.html never unchecked.
 */
export async function sendFile(
  req: IncomingMessage,
  res: ServerResponse,
  file: StaticFile,
  cacheControl: string,
  headers: Record<string, string>,
): Promise<void> {
  const etag = etagOf(file);
  const common = {
    ...headers,
    "cache-control": cacheControl,
    etag,
    "last-modified": new Date(file.mtimeMs).toUTCString(),
    "accept-ranges": "none",
  };
  if (matches(req.headers["if-none-match"], etag)) {
    res.writeHead(304, common);
    res.end();
    return;
  }
  res.writeHead(200, { ...common, "content-type": contentTypeOf(file.file), "content-length": file.size });
  if (req.method === "HEAD") {
    res.end();
    return;
  }
  await pipeline(createReadStream(file.file), res);
}
