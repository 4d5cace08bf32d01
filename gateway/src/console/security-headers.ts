/*
 * The headers every console response carries. The console is a single-origin application: its
 * scripts, styles, fonts and images come from this gateway and nowhere else, so the policy allows
 * 'self' and, in production, the identity provider (the browser exchanges the authorization code at
 * its token endpoint, and is sent to its authorization endpoint). Nothing inline: an injected
 * script or style has nowhere to run. `frame-ancestors 'none'` keeps the console out of frames
 * (clickjacking); `base-uri 'none'` stops a `<base>` tag from moving relative URLs elsewhere.
 */

/** The origin of the identity provider the console signs in at, when there is one (production). */
export function consoleSecurityHeaders(identityOrigin?: string): Record<string, string> {
  const extra = identityOrigin ? ` ${identityOrigin}` : "";
  const policy = [
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "img-src 'self' data: blob:",
    "font-src 'self'",
    `connect-src 'self'${extra}`,
    "object-src 'none'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    `form-action 'self'${extra}`,
  ].join("; ");
  return {
    "content-security-policy": policy,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    // The console uses none of these; a script that got in could not either.
    "permissions-policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
  };
}
