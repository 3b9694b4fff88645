/**
 * Test utilities for backend authors: `ai-response-cache/testing`.
 *
 * Requires vitest (an optional peer dependency of this subpath).
 *
 * @module
 */
export { type BackendConformanceOptions, backendConformance } from './conformance.js';
export {
  createHttpBackendServer,
  type HttpBackendListenOptions,
  type HttpBackendServer,
  type HttpBackendServerOptions,
} from './http-server.js';
