/**
 * Which requests the local API answers, by the names they were sent to. A web page can reach a loopback
 * server by DNS rebinding: a name of the attacker's resolves to 127.0.0.1 and the page becomes same-origin
 * with the API, able to submit local file paths and read the answers. Its requests still carry the attacker's
 * name in `Host`, so anything not sent to one of the API's own names gets 421, the dashboard and the event
 * stream included.
 *
 * A page on another site can also send a request without reading the answer (a form POST, a no-cors fetch);
 * the API has no credentials a browser could withhold, so state-changing requests (POST, PUT, PATCH, DELETE)
 * that carry an `Origin` must come from one of those names too (403 otherwise). A request without `Origin`
 * (curl, scripts, other servers) is not from a browser page and passes.
 */
import type { RequestHandler } from "express";
import { HttpError } from "./http-errors.ts";

/** The names the local API always answers to, with the port it listens on. */
export const LOOPBACK_HOSTS: readonly string[] = ["localhost", "127.0.0.1", "[::1]"];

interface Authority {
  readonly name: string;
  readonly port: number | undefined;
}

// A host name or a bracketed IPv6 literal, then an optional port: no user info, path or spaces.
const AUTHORITY = /^(\[[0-9a-f:.]+\]|[a-z0-9_.-]+)(?::(\d{1,5}))?$/i;

/** Parses `name` or `name:port` (as in a Host header); undefined when it is neither. */
export function parseAuthority(text: string): Authority | undefined {
  const match = AUTHORITY.exec(text.trim());
  if (!match) return undefined;
  const [, name = "", port] = match;
  // A fully qualified name ("localhost.") is the same name.
  return { name: name.toLowerCase().replace(/\.$/, ""), port: port === undefined ? undefined : Number(port) };
}

const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"]);

/**
 * The middleware. `extraHosts` are the names besides the loopback ones (`AVMON_ALLOWED_HOSTS`), each `name` or
 * `name:port`; a name without a port is allowed on the port the request came in on, or with no port at all
 * (a reverse proxy on its default port).
 */
export function hostAllowList(extraHosts: readonly string[]): RequestHandler {
  const names = [...LOOPBACK_HOSTS, ...extraHosts];
  const entries = names.map((entry) => {
    const parsed = parseAuthority(entry);
    if (!parsed) throw new Error(`not a host name: ${entry}`);
    return parsed;
  });
  const allowed = (authority: Authority | undefined, listeningPort: number | undefined): boolean =>
    authority !== undefined &&
    entries.some(
      (entry) =>
        entry.name === authority.name &&
        (entry.port === undefined
          ? authority.port === undefined || authority.port === listeningPort
          : entry.port === authority.port),
    );

  return (req, _res, next) => {
    const { host, origin } = req.headers;
    const port = req.socket.localPort;
    if (host === undefined || !allowed(parseAuthority(host), port)) {
      const message =
        `Host "${host ?? ""}" is not one this API answers to (${names.join(", ")}, on port ${port}); ` +
        "add the name to AVMON_ALLOWED_HOSTS if it is yours";
      return next(new HttpError(421, message, "host"));
    }
    if (STATE_CHANGING.has(req.method) && origin !== undefined && !allowed(originAuthority(origin), port)) {
      const message = `Origin "${origin}" may not change anything here: web pages must be served from ${names.join(", ")}`;
      return next(new HttpError(403, message, "origin"));
    }
    next();
  };
}

/** The authority of an Origin header; undefined for "null" (sandboxed pages, file://) and anything malformed. */
function originAuthority(origin: string): Authority | undefined {
  const match = /^[a-z][a-z0-9+.-]*:\/\/([^/?#]+)$/i.exec(origin.trim());
  return match?.[1] === undefined ? undefined : parseAuthority(match[1]);
}
