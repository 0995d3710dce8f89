import type { FastifyRequest } from 'fastify';

/** A session cookie the pages set: always HttpOnly, scoped to one path, Secure under https. */
export interface SessionCookie {
  name: string;
  value: string;
  path: string;
  maxAgeSeconds: number;
  sameSite: 'Strict' | 'Lax';
  secure: boolean;
}

/** The Set-Cookie value for `cookie`; a `maxAgeSeconds` of 0 with an empty value clears it. */
export function setCookieValue(cookie: SessionCookie): string {
  const attributes = [
    `Path=${cookie.path}`,
    `Max-Age=${cookie.maxAgeSeconds}`,
    'HttpOnly',
    `SameSite=${cookie.sameSite}`,
  ];
  if (cookie.secure) attributes.push('Secure');
  return `${cookie.name}=${cookie.value}; ${attributes.join('; ')}`;
}

/** The value of cookie `name` in the request's Cookie header; '' when it has none. */
export function readCookie(request: FastifyRequest, name: string): string {
  for (const part of (request.headers.cookie ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=');
    if (key === name) return rest.join('=');
  }
  return '';
}

/** Whole seconds from `now` until `until` (ms), at least 1: a cookie's Max-Age. */
export function secondsUntil(until: number, now: number): number {
  return Math.max(1, Math.round((until - now) / 1000));
}
