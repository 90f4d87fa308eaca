// Test support for integration tests in other workspaces (the SDK's and the
// widgets' browser suites drive the real server); not part of the runtime API.
export { startTestServer, repTokenFor, type TestServer, type TestTenant } from './test-server.js';
export { testEngines, freshPglite, freshPostgres, type TestEngine } from './engines.js';
