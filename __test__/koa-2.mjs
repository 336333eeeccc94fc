// `node --import ./__test__/koa-2.mjs --test …` runs the tests on Koa 2: every import of `koa` (the
// tests', the demo's) resolves to the `koa2` devDependency (koa@2.16) instead of Koa 3.
import { register } from 'node:module';

process.env.KSS_KOA = '2';
register('./koa-2-hooks.mjs', import.meta.url);
