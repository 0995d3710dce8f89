import type { FastifyRequest } from 'fastify';

/** A cookie the pages set: always HttpOnly, scoped to one path, Secure under https. */
export interface PageCookie {
  name: string;
  value: string;
  path: string;
  /** Left out: a session cookie, gone when the browser closes. */
  maxAgeSeconds?: number;
  sameSite: 'Strict' | 'Lax';
  secure: boolean;
}

/** A page cookie's name: with the __Secure- prefix under https, so plain-http answers cannot set it. */
export function pageCookieName(name: string, secure: boolean): string {
  return secure ? `__Secure-${name}` : name;
}

/** The Set-Cookie value for `cookie`; a `maxAgeSeconds` of 0 with an empty value clears it. */
export function setCookieValue(cookie: PageCookie): string {
  const attributes = [`Path=${cookie.path}`];
  if (cookie.maxAgeSeconds !== undefined) attributes.push(`Max-Age=${cookie.maxAgeSeconds}`);
  attributes.push('HttpOnly', `SameSite=${cookie.sameSite}`);
  if (cookie.secure) attributes.push('Secure');
  return `${cookie.name}=${cookie.value}; ${attributes.join('; ')}`;
}

/**
 * Every value of cookie `name` in the request's Cookie header, in the browser's order (longest path
 * first): a browser sends one per path and domain that matches, and one may have been planted.
 */
export function readCookies(request: FastifyRequest, name: string): string[] {
  const values: string[] = [];
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) values.push(rest.join('='));
  }
  return values;
}

/** The first value of cookie `name`; '' when it has none. */
export function readCookie(request: FastifyRequest, name: string): string {
  return readCookies(request, name)[0] ?? '';
}
