import type { FastifyInstance } from 'fastify';

/**
 * Which methods the vault's routes answer on a path, so a known path asked with another method is
 * told so (405 and `Allow`, RFC 9110) instead of "no such route". Filled from Fastify's `onRoute`;
 * paths are read as the router reads them: `:param` is one segment, and a trailing or doubled
 * slash finds the same route.
 */
interface RoutePattern {
  pattern: RegExp;
  methods: Set<string>;
}

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** `/v1/requests/:id/otk` → a RegExp matching one segment where each parameter is. */
function patternOf(url: string): RegExp {
  const segments = normalize(url)
    .split('/')
    .map((segment) => (segment.startsWith(':') ? '[^/]+' : escape(segment)));
  return new RegExp(`^${segments.join('/')}$`);
}

function normalize(path: string): string {
  const collapsed = path.replace(/\/{2,}/g, '/');
  return collapsed.length > 1 ? collapsed.replace(/\/$/, '') : collapsed;
}

export class RouteMethods {
  private readonly routes = new Map<string, RoutePattern>();

  add(url: string, method: string | string[]): void {
    const key = normalize(url);
    const route = this.routes.get(key) || { pattern: patternOf(url), methods: new Set<string>() };
    (Array.isArray(method) ? method : [method]).forEach((m) => route.methods.add(m.toUpperCase()));
    this.routes.set(key, route);
  }

  /** The methods some route answers on this path (its query string ignored), sorted; empty for none. */
  allowedOn(url: string): string[] {
    const path = normalize(url.split('?')[0]);
    const methods = new Set<string>();
    for (const route of this.routes.values()) {
      if (route.pattern.test(path)) route.methods.forEach((m) => methods.add(m));
    }
    return Array.from(methods).sort();
  }
}

/** A RouteMethods filled with every route `app` (and what it registers later) declares. */
export function trackRouteMethods(app: FastifyInstance): RouteMethods {
  const routes = new RouteMethods();
  app.addHook('onRoute', (route) => routes.add(route.url, route.method));
  return routes;
}
