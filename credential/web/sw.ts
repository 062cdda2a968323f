/**
 * Service worker of the verifier (/v) and holder (/h) pages: network first, the cached copy when
 * offline, for the page and its script only. Data (key set, status list, the holder's last
 * credential) is kept by the pages in localStorage, where their freshness rules are applied.
 */
interface SwEvent { waitUntil(p: Promise<unknown>): void }
interface SwFetchEvent extends SwEvent { request: Request; respondWith(r: Promise<Response>): void }
interface SwScope {
  registration: { scope: string };
  skipWaiting(): Promise<void>;
  clients: { claim(): Promise<void> };
  addEventListener(type: 'install' | 'activate', fn: (e: SwEvent) => void): void;
  addEventListener(type: 'fetch', fn: (e: SwFetchEvent) => void): void;
}
const sw = self as unknown as SwScope;
const CACHE = 'kyusui-credential-pages-v1';
const scopePath = new URL(sw.registration.scope).pathname.replace(/\/$/, '');
const SHELL = [scopePath, `${scopePath}/app.js`];

sw.addEventListener('install', (e) => {
  e.waitUntil(caches.open(CACHE).then((c) => c.addAll(SHELL)).then(() => sw.skipWaiting()));
});
sw.addEventListener('activate', (e) => e.waitUntil(sw.clients.claim()));
sw.addEventListener('fetch', (e) => {
  const url = new URL(e.request.url);
  if (e.request.method !== 'GET' || url.origin !== location.origin || !SHELL.includes(url.pathname)) return;
  e.respondWith((async () => {
    const cache = await caches.open(CACHE);
    try {
      const fresh = await fetch(e.request, { cache: 'no-store' });
      if (fresh.ok) await cache.put(url.pathname, fresh.clone());
      return fresh;
    } catch {
      return (await cache.match(url.pathname)) ?? Response.error();
    }
  })());
});
