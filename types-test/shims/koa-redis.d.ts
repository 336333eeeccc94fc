// koa-redis ships no types: an app that does not install @types/koa-redis declares what it uses,
// as here, with no koa-session types anywhere. Its store must fit encryptedStore all the same.
declare module 'koa-redis' {
  interface RedisStore {
    get(sid: string): Promise<unknown>;
    set(sid: string, session: unknown, ttl?: number | 'session'): Promise<void>;
    destroy(sid: string): Promise<void>;
    readonly client: unknown;
  }
  function koaRedis(options?: { url?: string; client?: unknown; db?: number }): RedisStore;
  export default koaRedis;
}
