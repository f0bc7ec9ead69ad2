/**
 * Setup of the jest project `bundled` (jest.config.js): the end-to-end
 * files of that project talk to the synthesized bundles, not the sources
 * (test/support/e2e-client.ts, E2E_HANDLERS_ENV). It imports nothing, so
 * that no handler module is loaded before the recorder wraps it.
 */
process.env.E2E_HANDLERS = 'bundled';
